//! Wait for every future of a list, polling them together: what `health()` needs to run
//! its probes in parallel. `futures_util::future::join_all` does the same with a
//! `FuturesUnordered`/`FuturesOrdered` machinery (wakers per future, a binary heap) meant
//! for hundreds of futures; a health check has a handful, so each wake-up simply polls the
//! ones not finished yet.
//!
//! The join is a plain `poll_fn` (not an async fn: no state machine of its own), each
//! future is tagged with what it is for, and `clock` stamps each output when it arrives.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

/// A tag, its future, and the future's output with its time once it has one.
type Slot<T, F, C> = (T, Pin<Box<F>>, Option<(<F as Future>::Output, C)>);

/// The outputs of `futures`, in their order, each with its tag and the `clock` reading
/// taken when it finished, once every one has finished (read straight from the slots: no
/// second list).
pub(crate) fn join_all<T, F: Future, C>(
    futures: impl IntoIterator<Item = (T, F)>,
    clock: impl Fn() -> C,
) -> impl Future<Output = impl Iterator<Item = (T, F::Output, C)>> {
    // Loops, not collects: smaller code.
    let mut pending: Vec<Slot<T, F, C>> = Vec::new();
    for (tag, future) in futures {
        pending.push((tag, Box::pin(future), None));
    }
    poll_fn(move |cx| {
        let mut finished = true;
        for (_, future, output) in &mut pending {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some((value, clock())),
                    Poll::Pending => finished = false,
                }
            }
        }
        if !finished {
            return Poll::Pending;
        }
        let outputs = std::mem::take(&mut pending)
            .into_iter()
            .filter_map(|(tag, _, output)| output.map(|(value, at)| (tag, value, at)));
        Poll::Ready(outputs)
    })
}

#[cfg(test)]
mod tests {
    use super::join_all;
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::pin;
    use std::rc::Rc;
    use std::task::{Context, Poll, Waker};

    /// A future that is pending `waits` times, counting its polls, then gives `value`.
    fn later(value: u32, waits: u32, polls: Rc<Cell<u32>>) -> impl Future<Output = u32> {
        let mut left = waits;
        std::future::poll_fn(move |cx| {
            polls.set(polls.get() + 1);
            if left == 0 {
                Poll::Ready(value)
            } else {
                left -= 1;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
    }

    #[test]
    fn outputs_keep_the_input_order_and_finished_futures_are_not_polled_again() {
        let polls: Vec<Rc<Cell<u32>>> = (0..3).map(|_| Rc::new(Cell::new(0))).collect();
        let waits = [2, 0, 1];
        let futures = (0..3).map(|i| (i, later(10 + i as u32, waits[i], polls[i].clone())));
        // The clock counts its readings: each output is stamped once, when it arrives.
        let ticks = Cell::new(0u32);
        let clock = || {
            ticks.set(ticks.get() + 1);
            ticks.get()
        };
        let mut joined = pin!(join_all(futures, clock));
        let mut cx = Context::from_waker(Waker::noop());
        let mut rounds = 0;
        let outputs = loop {
            rounds += 1;
            if let Poll::Ready(outputs) = joined.as_mut().poll(&mut cx) {
                break outputs.collect::<Vec<_>>();
            }
        };
        assert_eq!(outputs, vec![(0, 10, 3), (1, 11, 1), (2, 12, 2)]);
        assert_eq!(rounds, 3);
        // Each future is polled until it is ready, never after.
        let counts: Vec<u32> = polls.iter().map(|p| p.get()).collect();
        assert_eq!(counts, vec![3, 1, 2]);
    }

    #[test]
    fn an_empty_list_is_ready_at_once() {
        let mut joined = pin!(join_all(Vec::<((), std::future::Ready<u8>)>::new(), || 0));
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(outputs) = joined.as_mut().poll(&mut cx) else {
            panic!("an empty join is ready at once");
        };
        assert_eq!(outputs.count(), 0);
    }
}
