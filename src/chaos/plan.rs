//! The plan of a chaos run, decided before anything is sent and from the seed alone: the order
//! (captured, or each WMS session by sequence number and each Prism scan by job), the shuffle
//! within windows, which events are dropped and which are sent twice, and the jitter before
//! each send. A pure function, so the same file, flags and seed always give the same plan.

use std::time::Duration;

use super::rng::Rng;

/// The streams of one seed, one per kind of decision.
const SHUFFLE: u64 = 1;
const DROP: u64 = 2;
const DUPLICATE: u64 = 3;
const JITTER: u64 = 4;

/// The order events start from, before any shuffle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Order {
    /// As they are in the file (or as the simulator builds them).
    #[default]
    Captured,
    /// Each WMS session's events by sequence number, each Prism scan's by its job order, in the
    /// places those events held; other events stay where they were.
    Sequence,
}

impl Order {
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Captured => "captured",
            Order::Sequence => "sequence",
        }
    }
}

/// Where an event belongs for `--order sequence`: its group (a WMS session, a Prism scan) and its
/// rank inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKey {
    pub group: String,
    pub rank: u64,
}

/// What to do to the events.
#[derive(Debug, Clone, PartialEq)]
pub struct Chaos {
    pub order: Order,
    /// Shuffle within consecutive windows of this many events (`usize::MAX`: all at once).
    pub shuffle: Option<usize>,
    /// Probability of sending an event once more, right after its first delivery.
    pub duplicate: f64,
    /// Probability of not sending an event at all.
    pub drop: f64,
    /// The longest random wait before each send.
    pub jitter: Duration,
    pub seed: u64,
}

impl Default for Chaos {
    fn default() -> Chaos {
        Chaos {
            order: Order::Captured,
            shuffle: None,
            duplicate: 0.0,
            drop: 0.0,
            jitter: Duration::ZERO,
            seed: 0,
        }
    }
}

/// Which copy of an event a send is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendKind {
    Original,
    Duplicate,
}

impl SendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SendKind::Original => "original",
            SendKind::Duplicate => "duplicate",
        }
    }
}

/// What the plan does to one event (by its place in the input, from 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPlan {
    /// Its place in the order sent, dropped events counted: differs from its index when moved.
    pub position: usize,
    pub dropped: bool,
    pub duplicated: bool,
}

/// One send of the plan, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Send {
    /// Index of the event in the input.
    pub event: usize,
    pub kind: SendKind,
    /// Wait this long before sending.
    pub jitter: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// One per input event, in input order.
    pub events: Vec<EventPlan>,
    pub sends: Vec<Send>,
}

impl Plan {
    pub fn dropped(&self) -> usize {
        self.events.iter().filter(|e| e.dropped).count()
    }

    pub fn duplicated(&self) -> usize {
        self.events.iter().filter(|e| e.duplicated).count()
    }

    pub fn moved(&self) -> usize {
        self.events
            .iter()
            .enumerate()
            .filter(|(i, e)| e.position != *i)
            .count()
    }
}

/// The plan for `keys.len()` events; `keys` says where each belongs for `--order sequence`
/// (ignored otherwise).
pub fn plan(keys: &[Option<OrderKey>], chaos: &Chaos) -> Plan {
    let n = keys.len();
    let mut order: Vec<usize> = (0..n).collect();
    if chaos.order == Order::Sequence {
        by_sequence(&mut order, keys);
    }
    if let Some(window) = chaos.shuffle {
        let mut rng = Rng::stream(chaos.seed, SHUFFLE);
        for block in order.chunks_mut(window.max(1)) {
            rng.shuffle(block);
        }
    }
    // Drops and duplicates are drawn for every event in input order, so that the same event
    // meets the same fate whatever the order or the other rate.
    let mut drops = Rng::stream(chaos.seed, DROP);
    let mut duplicates = Rng::stream(chaos.seed, DUPLICATE);
    let mut events: Vec<EventPlan> = (0..n)
        .map(|_| {
            let dropped = drops.chance(chaos.drop);
            let duplicated = duplicates.chance(chaos.duplicate) && !dropped;
            EventPlan {
                position: 0,
                dropped,
                duplicated,
            }
        })
        .collect();
    let mut jitter = Rng::stream(chaos.seed, JITTER);
    let mut wait = || {
        if chaos.jitter.is_zero() {
            Duration::ZERO
        } else {
            chaos.jitter.mul_f64(jitter.unit())
        }
    };
    let mut sends = Vec::with_capacity(n);
    for (position, &event) in order.iter().enumerate() {
        events[event].position = position;
        if events[event].dropped {
            continue;
        }
        sends.push(Send {
            event,
            kind: SendKind::Original,
            jitter: wait(),
        });
        if events[event].duplicated {
            sends.push(Send {
                event,
                kind: SendKind::Duplicate,
                jitter: wait(),
            });
        }
    }
    Plan { events, sends }
}

/// Sorts each group's events by rank among the places the group's events hold (stable: equal
/// ranks keep their order); events without a key stay in place.
fn by_sequence(order: &mut [usize], keys: &[Option<OrderKey>]) {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (place, &event) in order.iter().enumerate() {
        if let Some(key) = &keys[event] {
            match groups.iter_mut().find(|(g, _)| *g == key.group) {
                Some((_, places)) => places.push(place),
                None => groups.push((&key.group, vec![place])),
            }
        }
    }
    for (_, places) in groups {
        let mut members: Vec<usize> = places.iter().map(|&p| order[p]).collect();
        members.sort_by_key(|&e| keys[e].as_ref().map_or(0, |k| k.rank));
        for (&place, event) in places.iter().zip(members) {
            order[place] = event;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(n: usize) -> Vec<Option<OrderKey>> {
        vec![None; n]
    }

    fn order(plan: &Plan) -> Vec<usize> {
        plan.sends.iter().map(|s| s.event).collect()
    }

    #[test]
    fn no_chaos_sends_everything_once_in_order() {
        let plan = plan(&none(5), &Chaos::default());
        assert_eq!(order(&plan), [0, 1, 2, 3, 4]);
        assert!(
            plan.sends
                .iter()
                .all(|s| s.kind == SendKind::Original && s.jitter.is_zero())
        );
        assert_eq!((plan.dropped(), plan.duplicated(), plan.moved()), (0, 0, 0));
    }

    #[test]
    fn the_same_seed_gives_the_same_plan_and_another_seed_another() {
        let chaos = Chaos {
            shuffle: Some(usize::MAX),
            duplicate: 0.2,
            drop: 0.1,
            jitter: Duration::from_millis(500),
            seed: 42,
            ..Chaos::default()
        };
        let a = plan(&none(50), &chaos);
        assert_eq!(a, plan(&none(50), &chaos));
        let b = plan(
            &none(50),
            &Chaos {
                seed: 43,
                ..chaos.clone()
            },
        );
        assert_ne!(order(&a), order(&b));
        assert!(
            a.sends
                .iter()
                .all(|s| s.jitter <= Duration::from_millis(500))
        );
        assert!(a.sends.iter().any(|s| !s.jitter.is_zero()));
    }

    #[test]
    fn shuffling_stays_within_its_windows() {
        let chaos = Chaos {
            shuffle: Some(4),
            seed: 9,
            ..Chaos::default()
        };
        let plan = plan(&none(12), &chaos);
        let sent = order(&plan);
        for (block, chunk) in sent.chunks(4).enumerate() {
            let mut sorted = chunk.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, (block * 4..block * 4 + 4).collect::<Vec<_>>());
        }
        assert!(plan.moved() > 0);
        assert_eq!(
            plan.moved(),
            sent.iter().enumerate().filter(|(i, e)| i != *e).count()
        );
    }

    #[test]
    fn drops_and_duplicates_come_at_about_their_rates() {
        let chaos = Chaos {
            duplicate: 0.2,
            drop: 0.1,
            seed: 1,
            ..Chaos::default()
        };
        let plan = plan(&none(1000), &chaos);
        assert!((60..=140).contains(&plan.dropped()), "{}", plan.dropped());
        // Dropped events are never duplicated: about 0.2 × 0.9 of all.
        assert!(
            (130..=230).contains(&plan.duplicated()),
            "{}",
            plan.duplicated()
        );
        assert_eq!(plan.sends.len(), 1000 - plan.dropped() + plan.duplicated());
        // A duplicate comes right after its original.
        for pair in plan.sends.windows(2) {
            if pair[1].kind == SendKind::Duplicate {
                assert_eq!(
                    (pair[0].event, pair[0].kind),
                    (pair[1].event, SendKind::Original)
                );
            }
        }
        // A drop rate of 1 sends nothing; a duplicate rate of 1 sends everything twice.
        let all = plan_with(1.0, 0.0);
        assert!(all.sends.is_empty());
        let twice = plan_with(0.0, 1.0);
        assert_eq!(twice.sends.len(), 20);
    }

    fn plan_with(drop: f64, duplicate: f64) -> Plan {
        plan(
            &none(10),
            &Chaos {
                drop,
                duplicate,
                ..Chaos::default()
            },
        )
    }

    #[test]
    fn the_same_event_is_dropped_whatever_the_shuffle() {
        let base = Chaos {
            drop: 0.3,
            seed: 5,
            ..Chaos::default()
        };
        let shuffled = Chaos {
            shuffle: Some(usize::MAX),
            ..base.clone()
        };
        let a: Vec<bool> = plan(&none(30), &base)
            .events
            .iter()
            .map(|e| e.dropped)
            .collect();
        let b: Vec<bool> = plan(&none(30), &shuffled)
            .events
            .iter()
            .map(|e| e.dropped)
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn sequence_order_sorts_each_group_in_its_own_places() {
        let key = |group: &str, rank: u64| {
            Some(OrderKey {
                group: group.to_owned(),
                rank,
            })
        };
        // Session a arrived 0, 2, 1; scan b arrived 5, 4; the unkeyed event stays put.
        let keys = vec![
            key("a", 0),
            key("b", 5),
            key("a", 2),
            None,
            key("a", 1),
            key("b", 4),
        ];
        let plan = plan(
            &keys,
            &Chaos {
                order: Order::Sequence,
                ..Chaos::default()
            },
        );
        assert_eq!(order(&plan), [0, 5, 4, 3, 2, 1]);
    }
}
