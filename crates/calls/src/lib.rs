//! Runs phone conversations: feeds the dialog engine what it asks of the
//! store (free slots, holds, bookings) and records every turn of the call.
