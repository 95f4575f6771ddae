//! [`FeedStream`]: a blocking driver of a [`FeedSession`] over the native client.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use msr_lens_core::changefeed::{
    Event, Failure, Feed, FeedSession, Mode, Pager, PagerConfig, Record, ResumeError, SavedState,
};

use super::client::MsrClient;
use crate::TransportError;

/// A changefeed being walked: call [`FeedStream::next_event`] until it returns `None`.
pub struct FeedStream<'a> {
    client: &'a MsrClient,
    session: FeedSession,
    events: VecDeque<Event>,
    requests_sent: u64,
}

impl<'a> FeedStream<'a> {
    pub(super) fn new(client: &'a MsrClient, pager: Pager) -> Self {
        FeedStream {
            client,
            session: FeedSession::new(pager),
            events: VecDeque::new(),
            requests_sent: 0,
        }
    }

    /// The session (pager progress, saved state, user actions).
    pub fn session(&mut self) -> &mut FeedSession {
        &mut self.session
    }

    /// How many HTTP requests this stream sent (pages, tokens, retries).
    pub fn requests_sent(&self) -> u64 {
        self.requests_sent
    }

    /// The pager's position, for resuming later.
    pub fn save(&self) -> SavedState {
        self.session.pager().save()
    }

    /// The next event, sending requests and waiting for the pager's timers as needed.
    /// `None` when the pager has nothing left to do (backfill done, halted on an error
    /// that needs the user) or when `deadline` passes first.
    pub fn next_event_until(&mut self, deadline: Option<Instant>) -> Option<Event> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Some(event);
            }
            let now = self.client.now();
            let next = {
                let mut auth = self.client.authenticator();
                self.session.poll_request(&mut auth, now)
            };
            if let Some((call, request)) = next {
                self.requests_sent += 1;
                let answer = self.client.execute(request);
                let now = self.client.now();
                let mut auth = self.client.authenticator();
                match answer {
                    Ok(response) => self.session.handle_response(&mut auth, call, now, response),
                    Err(error) => {
                        let failure = match error {
                            TransportError::Timeout { .. } => Failure::Timeout,
                            other => Failure::Network(other.to_string()),
                        };
                        self.session.handle_failure(&mut auth, call, now, failure);
                    }
                }
                drop(auth);
                self.events
                    .extend(std::iter::from_fn(|| self.session.poll_event()));
                continue;
            }
            self.events
                .extend(std::iter::from_fn(|| self.session.poll_event()));
            if !self.events.is_empty() {
                continue;
            }
            let wake = self.session.poll_timeout()?;
            let wait = Duration::from_millis(
                u64::try_from(wake.millis_since(self.client.now())).unwrap_or(0),
            );
            let wait = match deadline {
                Some(deadline) => {
                    let left = deadline.checked_duration_since(Instant::now())?;
                    wait.min(left)
                }
                None => wait,
            };
            std::thread::sleep(wait.max(Duration::from_millis(1)));
        }
    }

    /// The next event, waiting as long as the pager wants.
    pub fn next_event(&mut self) -> Option<Event> {
        self.next_event_until(None)
    }

    /// Walk until caught up (or the start is reached, for newest-first), collecting every
    /// record in server order. Stops with the first error that the pager does not retry
    /// by itself, or after `max_errors` retried errors.
    pub fn collect_until_caught_up(&mut self, max_errors: u32) -> Result<Vec<Record>, Box<Event>> {
        let mut records = Vec::new();
        let mut errors = 0;
        while let Some(event) = self.next_event() {
            match event {
                Event::Records {
                    records: batch,
                    placement,
                    ..
                } => match placement {
                    msr_lens_core::changefeed::Placement::Append => records.extend(batch),
                    msr_lens_core::changefeed::Placement::Prepend => {
                        records.splice(0..0, batch);
                    }
                },
                Event::CaughtUp | Event::ReachedStart => return Ok(records),
                Event::Error {
                    retry_at: Some(_), ..
                } if errors < max_errors => errors += 1,
                Event::Progress(_) | Event::Reset => {}
                other => return Err(Box::new(other)),
            }
        }
        Ok(records)
    }
}

impl MsrClient {
    /// Walk a changefeed in `mode`.
    pub fn changefeed(&self, feed: Feed, mode: Mode, config: PagerConfig) -> FeedStream<'_> {
        let pager = Pager::new(self.config().origin.clone(), feed, mode, config);
        FeedStream::new(self, pager)
    }

    /// Resume a changefeed walk from a saved position (refused when it was saved on
    /// another origin).
    pub fn resume_changefeed(
        &self,
        saved: SavedState,
        config: PagerConfig,
    ) -> Result<FeedStream<'_>, ResumeError> {
        let pager = Pager::resume(self.config().origin.clone(), saved, config)?;
        Ok(FeedStream::new(self, pager))
    }
}
