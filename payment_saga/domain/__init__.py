"""Pure payment logic: money, the state machine and the messages workflows exchange. No I/O."""
