//! The trail's copy on stdout (`--audit-log stdout`), for log shippers: each
//! durable record's JSON, one line each, in sequence order, once.
//!
//! A thread of its own writes it, behind a bounded queue, so that a reader
//! that stops reading never stalls the index follower (nor grows memory): a
//! copy that falls that far behind drops records, and says so in the log.
//! The trail itself always has them.

use std::io::Write;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread::JoinHandle;

/// Buffers (one per tapped batch) queued for the writer thread.
const QUEUED_BUFFERS: usize = 1024;

pub(crate) struct StdoutCopy {
    sender: Option<SyncSender<Vec<u8>>>,
    writer: Option<JoinHandle<()>>,
    /// The highest sequence number queued: nothing at or below it is
    /// queued again (the tap and a catch-up from the segments may both
    /// bring a record).
    copied: u64,
    /// Records dropped since the last warning.
    dropped: u64,
}

impl StdoutCopy {
    /// Starts the writer; records up to `copied` (those in the trail before
    /// it opened) are not copied.
    pub(crate) fn start(copied: u64) -> std::io::Result<StdoutCopy> {
        let (sender, buffers) = mpsc::sync_channel::<Vec<u8>>(QUEUED_BUFFERS);
        let writer = std::thread::Builder::new()
            .name("audit-stdout".into())
            .spawn(move || {
                let stdout = std::io::stdout();
                for buffer in buffers {
                    // A closed stdout does not stop the trail.
                    let _ = stdout.lock().write_all(&buffer);
                }
            })?;
        Ok(StdoutCopy {
            sender: Some(sender),
            writer: Some(writer),
            copied,
            dropped: 0,
        })
    }

    /// Queues the records (sequence number, JSON) above those already
    /// queued. Never waits for the writer.
    pub(crate) fn copy<'a>(&mut self, records: impl IntoIterator<Item = (u64, &'a str)>) {
        let mut buffer = Vec::new();
        let mut count = 0u64;
        for (seq, record) in records {
            if seq <= self.copied {
                continue;
            }
            self.copied = seq;
            buffer.extend_from_slice(record.as_bytes());
            buffer.push(b'\n');
            count += 1;
        }
        if count == 0 {
            return;
        }
        let Some(sender) = &self.sender else { return };
        match sender.try_send(buffer) {
            Ok(()) if self.dropped > 0 => {
                tracing::warn!(
                    dropped = self.dropped,
                    "the audit trail's stdout copy is flowing again; records were left out of it (the trail has them)"
                );
                self.dropped = 0;
            }
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                if self.dropped == 0 {
                    tracing::warn!(
                        "stdout is not being read fast enough: records are left out of the audit trail's stdout copy (the trail has them)"
                    );
                }
                self.dropped += count;
            }
        }
    }
}

impl Drop for StdoutCopy {
    /// Lets the writer finish what is queued.
    fn drop(&mut self) {
        self.sender.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_queued_once_in_order() {
        let mut copy = StdoutCopy {
            sender: None,
            writer: None,
            copied: 2,
            dropped: 0,
        };
        let (sender, queued) = mpsc::sync_channel(8);
        copy.sender = Some(sender);
        copy.copy([(1, "a"), (2, "b"), (3, "c")]);
        copy.copy([(3, "c"), (4, "d")]);
        copy.copy([(4, "d")]);
        drop(copy);
        let all: Vec<u8> = queued.iter().flatten().collect();
        assert_eq!(all, b"c\nd\n");
    }

    #[test]
    fn a_full_queue_drops_instead_of_waiting() {
        let (sender, queued) = mpsc::sync_channel(1);
        let mut copy = StdoutCopy {
            sender: Some(sender),
            writer: None,
            copied: 0,
            dropped: 0,
        };
        copy.copy([(1, "a")]);
        copy.copy([(2, "b"), (3, "c")]);
        assert_eq!(copy.dropped, 2);
        drop(copy);
        assert_eq!(queued.iter().collect::<Vec<_>>(), vec![b"a\n".to_vec()]);
    }
}
