//! Wait for every future of a list, polling them together: what `health()` needs to run
//! its probes in parallel. `futures_util::future::join_all` does the same with a
//! `FuturesUnordered`/`FuturesOrdered` machinery (wakers per future, a binary heap) meant
//! for hundreds of futures; a health check has a handful, so each wake-up simply polls the
//! ones not finished yet.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

/// A future and its output once it has one.
type Slot<F> = (Pin<Box<F>>, Option<<F as Future>::Output>);

/// The outputs of `futures`, in their order, once every one has finished.
pub(crate) async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    // Each future with its output once it has one (loops, not collects: smaller code).
    let mut pending: Vec<Slot<F>> = Vec::new();
    for future in futures {
        pending.push((Box::pin(future), None));
    }
    poll_fn(|cx| {
        let mut finished = true;
        for (future, output) in &mut pending {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => finished = false,
                }
            }
        }
        if finished {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    let mut outputs = Vec::with_capacity(pending.len());
    for (_, output) in pending {
        if let Some(output) = output {
            outputs.push(output);
        }
    }
    outputs
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
        let futures = (0..3).map(|i| later(10 + i as u32, waits[i], polls[i].clone()));
        let mut joined = pin!(join_all(futures));
        let mut cx = Context::from_waker(Waker::noop());
        let mut rounds = 0;
        let outputs = loop {
            rounds += 1;
            if let Poll::Ready(outputs) = joined.as_mut().poll(&mut cx) {
                break outputs;
            }
        };
        assert_eq!(outputs, vec![10, 11, 12]);
        assert_eq!(rounds, 3);
        // Each future is polled until it is ready, never after.
        let counts: Vec<u32> = polls.iter().map(|p| p.get()).collect();
        assert_eq!(counts, vec![3, 1, 2]);
    }

    #[test]
    fn an_empty_list_is_ready_at_once() {
        let mut joined = pin!(join_all(Vec::<std::future::Ready<u8>>::new()));
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(joined.as_mut().poll(&mut cx), Poll::Ready(vec![]));
    }
}
