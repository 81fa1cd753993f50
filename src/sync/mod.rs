//! Synchronisation with agency systems: bulk NDJSON import (the change feed is
//! `store::feed`; the nightly sync client comes with the delivery issue).

pub mod batch;
