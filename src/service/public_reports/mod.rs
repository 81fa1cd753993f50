//! 码上巡察, the use cases. An inspection office opens a reporting channel for a team and an
//! inspected unit of its round, for the period the team is stationed there (`channels`);
//! anyone reports through it without an account (`intake`); the office's liaison works the
//! queue — verify, mark a duplicate, convert into a clue for the transfer workflow, close
//! with a reason — and reads the channel's figures (`handling`). Who may do what is decided
//! in `policy::public_reports`; the abuse limits of the public side are in `intake`.

pub mod challenge;
pub mod channels;
mod files;
pub mod handling;
pub mod intake;
pub mod poster;

pub use channels::{ChannelDraft, ChannelView};
