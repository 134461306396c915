//! The phone conversation: a scenario (data) and a state machine that turns
//! what the caller said into what the agent says and does. No I/O.
