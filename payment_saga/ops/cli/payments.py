"""`payment-saga payments list|show|cancel|reconcile`: act on payments without writing SQL."""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from payment_saga.config import Settings
from payment_saga.connections import connect_temporal
from payment_saga.db.models import Payment, PaymentAttempt
from payment_saga.db.repository import PaymentRepository
from payment_saga.db.session import SessionFactory, create_engine, create_session_factory
from payment_saga.domain.errors import PaymentSagaError
from payment_saga.domain.keys import authorize_key, capture_key
from payment_saga.domain.messages import ResolveRequest
from payment_saga.domain.states import CaptureMethod, Outcome, PaymentStatus
from payment_saga.ops.audit.checks import RunFacts, workflow_agrees
from payment_saga.ops.audit.run import facts_of
from payment_saga.ops.audit.runs import latest_runs
from payment_saga.processors.port import OperationQuery
from payment_saga.processors.registry import open_gateways
from payment_saga.processors.routing import Gateways
from payment_saga.steering.payments import PaymentSteering
from workflows.payment import PaymentWorkflow

DURATION = re.compile(r"^(\d+)([smhd])$")
# Statuses that need a run driving them, whatever the workflow says.
UNSETTLED = (
    PaymentStatus.PENDING,
    PaymentStatus.REQUIRES_ACTION,
    PaymentStatus.AUTHORIZED,
    PaymentStatus.OUTCOME_UNKNOWN,
)
# How long the CLI waits for a workflow to finish what it was asked (then reports the row).
STEER_WAIT_SECONDS = 60.0


def duration(text: str) -> timedelta:
    match = DURATION.match(text)
    if match is None:
        raise argparse.ArgumentTypeError("use 30s, 15m, 2h or 7d")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def add_parser(groups: Any) -> None:
    payments = groups.add_parser("payments", help="find, inspect, cancel and reconcile payments")
    actions = payments.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="newest first")
    listing.add_argument("--status")
    listing.add_argument("--order-id")
    listing.add_argument("--older-than", type=duration, help="e.g. 15m: only older payments")
    listing.add_argument("--limit", type=int, default=50)
    show = actions.add_parser("show", help="row, workflow state, gateway attempts, events")
    show.add_argument("id")
    cancel = actions.add_parser("cancel", help="void an authorization or refund the rest")
    cancel.add_argument("id")
    cancel.add_argument("--reason")
    reconcile = actions.add_parser(
        "reconcile", help="payments whose workflow and row disagree, or stuck ones"
    )
    reconcile.add_argument("--older-than", type=duration, default=timedelta(minutes=15))
    reconcile.add_argument(
        "--repair", action="store_true", help="start a new run from the row where they disagree"
    )
    resolve = actions.add_parser(
        "resolve",
        help="an outcome_unknown payment: look the operation up again, or record what the"
        " processor says happened (docs/operations.md)",
    )
    resolve.add_argument("id")
    verdict = resolve.add_mutually_exclusive_group()
    verdict.add_argument("--applied", action="store_const", const=Outcome.APPLIED, dest="verdict")
    verdict.add_argument(
        "--not-applied", action="store_const", const=Outcome.NOT_APPLIED, dest="verdict"
    )


def summary(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "order_id": payment.order_id,
        "status": payment.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "captured": payment.amount_captured,
        "refunded": payment.amount_refunded,
        "created_at": payment.created_at.isoformat(timespec="seconds"),
    }


async def list_payments(sessions: SessionFactory, args: argparse.Namespace) -> list[dict[str, Any]]:
    query = select(Payment).order_by(Payment.created_at.desc()).limit(args.limit)
    if args.status:
        query = query.where(Payment.status == args.status)
    if args.order_id:
        query = query.where(Payment.order_id == args.order_id)
    if args.older_than:
        query = query.where(Payment.created_at < datetime.now(UTC) - args.older_than)
    async with sessions() as session:
        return [summary(p) for p in (await session.execute(query)).scalars()]


async def workflow_status(temporal: Client, payment_id: str) -> str:
    try:
        description = await temporal.get_workflow_handle(payment_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return "missing"
        raise
    status = description.status
    return status.name.lower() if status is not None else "unknown"


async def show(sessions: SessionFactory, temporal: Client, payment_id: str) -> dict[str, Any]:
    async with sessions() as session:
        repo = PaymentRepository(session)
        payment = await repo.get(payment_id)
        if payment is None:
            raise SystemExit(f"no payment {payment_id}")
        attempts = await repo.attempts_of(payment_id)
        events = await repo.events_of(payment_id)
    result: dict[str, Any] = {"payment": summary(payment)}
    result["workflow"] = {"status": await workflow_status(temporal, payment_id)}
    if result["workflow"]["status"] == "running":
        state = await temporal.get_workflow_handle_for(PaymentWorkflow.run, payment_id).query(
            PaymentWorkflow.state
        )
        result["workflow"]["state"] = state.status.value
    result["attempts"] = [
        f"{a.created_at:%H:%M:%S} {a.operation} {a.outcome} {a.error_code or ''} {a.latency_ms}ms"
        for a in attempts
    ]
    result["events"] = [
        f"#{e.sequence} {e.type} {'published' if e.published_at else 'pending'}" for e in events
    ]
    return result


async def cancel(
    sessions: SessionFactory, steering: PaymentSteering, payment_id: str, reason: str | None
) -> dict[str, Any]:
    answer = await steering.cancel(payment_id, reason, STEER_WAIT_SECONDS)
    return {**await current(sessions, payment_id), "finished": answer.done}


async def resolve(
    sessions: SessionFactory, steering: PaymentSteering, payment_id: str, verdict: Outcome | None
) -> dict[str, Any]:
    request = ResolveRequest(verdict=verdict)
    answer = await steering.resolve(payment_id, request, STEER_WAIT_SECONDS)
    return {**await current(sessions, payment_id), "finished": answer.done}


async def current(sessions: SessionFactory, payment_id: str) -> dict[str, Any]:
    """The payment as its row stands (after a steer: what the workflow recorded)."""
    async with sessions() as session:
        payment = await session.get(Payment, payment_id)
    if payment is None:
        raise SystemExit(f"no payment {payment_id}")
    return summary(payment)


async def last_authorize_key(sessions: SessionFactory, payment_id: str) -> str:
    """The key of the payment's last authorize call (a routed payment has one per processor)."""
    async with sessions() as session:
        found = await session.execute(
            select(PaymentAttempt.idempotency_key)
            .where(PaymentAttempt.payment_id == payment_id, PaymentAttempt.operation == "authorize")
            .order_by(PaymentAttempt.id.desc())
            .limit(1)
        )
    return found.scalar_one_or_none() or authorize_key(payment_id)


async def gateway_view(gateways: Gateways, payment: Payment, authorize: str) -> str:
    """What the payment's processor says it did (of the authorization and capture)."""
    found = []
    try:
        gateway = gateways[payment.processor]
    except PaymentSagaError as error:
        return error.message
    for step, query in (
        ("authorized", OperationQuery("authorize", authorize)),
        (
            "captured",
            OperationQuery("capture", capture_key(payment.id), payment.gateway_reference),
        ),
    ):
        try:
            if await gateway.lookup(query) is not None:
                found.append(step)
        except PaymentSagaError as error:
            found.append(f"{step}:{error.code}")
    return ",".join(found) or "nothing"


async def reconcile(
    settings: Settings, sessions: SessionFactory, temporal: Client, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Payments quiet for `--older-than` whose workflow and row disagree (a run terminated or
    reset, a workflow missing, a payment stuck): what the workflow and the gateway say, and
    with `--repair` a new run from the row."""
    cutoff = datetime.now(UTC) - args.older_than
    async with sessions() as session:
        quiet = list(
            (await session.execute(select(Payment).where(Payment.updated_at < cutoff))).scalars()
        )
    runs = await latest_runs(temporal)
    steering = PaymentSteering(temporal, settings.temporal.task_queue, sessions, settings.payments)
    rows = []
    async with open_gateways(settings) as gateways:
        for payment in quiet:
            run = runs.get(payment.id)
            # Only the workflow check: the refund rows are not read here.
            facts = facts_of(payment, succeeded_refunds=payment.amount_refunded)
            problems = workflow_agrees(replace(facts, runs_read=True, run=run))
            if not problems and payment.status not in UNSETTLED:
                continue
            row = {"id": payment.id, "status": payment.status, "workflow": run_status(run)}
            row["problems"] = "; ".join(problems) or "not settled"
            key = await last_authorize_key(sessions, payment.id)
            row["gateway"] = await gateway_view(gateways, payment, key)
            row["action"] = await _repair(steering, temporal, payment, run, args.repair)
            rows.append(row)
    return rows


def run_status(run: RunFacts | None) -> str:
    return "missing" if run is None else run.status


async def _repair(
    steering: PaymentSteering,
    temporal: Client,
    payment: Payment,
    run: RunFacts | None,
    repair: bool,
) -> str:
    if payment.status == PaymentStatus.OUTCOME_UNKNOWN:
        if run is not None and run.status == "running":
            return f"outcome unknown: payment-saga payments resolve {payment.id}"
        return "needs a person: outcome unknown and its run is gone (docs/operations.md)"
    if run is not None and run.status == "running" and run.payment_status == payment.status:
        manual = payment.capture_method == CaptureMethod.MANUAL
        waiting = payment.status == PaymentStatus.AUTHORIZED and manual
        return "waiting for capture" if waiting else "in progress"
    if not repair:
        return "run with --repair to start a new run from the row"
    if run is not None and run.status == "running":
        # A run that disagrees with the row (reset to an older point) stops; the new run
        # starts from the row, with the same idempotency keys for anything left to do.
        handle = temporal.get_workflow_handle(payment.id, run_id=run.run_id)
        await handle.terminate("reconcile --repair: the run disagreed with the payment's row")
    await steering.wake(payment)  # the row reconcile read
    return "new run started from the row"


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    settings = Settings()
    engine = create_engine(settings.database)
    sessions = create_session_factory(engine)
    try:
        if args.action == "list":
            return await list_payments(sessions, args)
        temporal = await connect_temporal(settings)
        if args.action == "show":
            return [await show(sessions, temporal, args.id)]
        steering = PaymentSteering(
            temporal, settings.temporal.task_queue, sessions, settings.payments
        )
        if args.action == "cancel":
            return [await cancel(sessions, steering, args.id, args.reason)]
        if args.action == "resolve":
            return [await resolve(sessions, steering, args.id, args.verdict)]
        return await reconcile(settings, sessions, temporal, args)
    finally:
        await engine.dispose()
