//! Retry decisions: when a request may be sent again, and how long to wait first.
//!
//! A request is resent only when it certainly was not applied (it never left, or the
//! server refused it with 429: with a `Retry-After` of at most `max_retry_wait` it waits that
//! long, without one it backs off), or when the call is safe to repeat. A rotate or a create
//! that may have reached the server is never resent.

use std::time::Duration;

/// Whether a call may be repeated without changing its effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Safety {
    /// Repeating has the same effect as sending once (the all-or-nothing batch upsert).
    Idempotent,
    /// Repeating changes the effect (a second rotate makes another secret; the original,
    /// applied late, can overtake it).
    NotIdempotent,
}

/// The three calls, each with its one safety rule: bindings derive what cancelling a
/// call does from it (a call safe to repeat may be abandoned at any point; the others finish
/// once their request may have been sent, so that an applied change is never lost).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `POST /v1/mgmt/accesskey/rotate`: never safe to repeat.
    RotateAccessKey,
    /// `POST /v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload`: an all-or-nothing
    /// upsert, safe to repeat.
    BatchUploadTenantTokens,
    /// `POST /v1/mgmt/resource/dynamic-registration-template/create`: never safe to repeat.
    CreateDcrTemplate,
}

impl Call {
    /// The call's name in logs: `rotate_access_key`, `batch_upload_tenant_tokens` or
    /// `create_dcr_template`.
    pub const fn name(self) -> &'static str {
        match self {
            Call::RotateAccessKey => "rotate_access_key",
            Call::BatchUploadTenantTokens => "batch_upload_tenant_tokens",
            Call::CreateDcrTemplate => "create_dcr_template",
        }
    }

    /// Whether sending the call twice has the same effect as sending it once.
    pub const fn safe_to_repeat(self) -> bool {
        matches!(self.safety(), Safety::Idempotent)
    }

    pub(crate) const fn safety(self) -> Safety {
        match self {
            Call::BatchUploadTenantTokens => Safety::Idempotent,
            Call::RotateAccessKey | Call::CreateDcrTemplate => Safety::NotIdempotent,
        }
    }
}

/// What one attempt observed, reduced to what the retry decision needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Observed {
    /// The connection failed before the request was sent.
    NotSent,
    /// The request was (or may have been) sent, and no answer arrived.
    MaybeSent { timed_out: bool },
    /// The server answered with this status.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
}

/// Statuses from Descope's edge that mean "try again" for a call that is safe to repeat.
pub(crate) const RETRYABLE_STATUSES: [u16; 8] = [502, 503, 504, 520, 521, 522, 524, 530];

/// Base of the exponential backoff.
const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// Cap of the exponential backoff.
const BACKOFF_CAP: Duration = Duration::from_secs(5);

/// Returns the delay before the next attempt, or `None` when the outcome must be returned.
/// `attempt` counts retries already made (0 after the first send).
pub(crate) fn decide(
    observed: Observed,
    safety: Safety,
    attempt: u32,
    max_retries: u32,
    max_retry_wait: Duration,
) -> Option<Duration> {
    if attempt >= max_retries {
        return None;
    }
    match observed {
        Observed::NotSent => Some(backoff(attempt)),
        Observed::MaybeSent { timed_out: false } if safety == Safety::Idempotent => {
            Some(backoff(attempt))
        }
        Observed::MaybeSent { .. } => None,
        Observed::Status {
            status: 429,
            retry_after: Some(wait),
        } => (wait <= max_retry_wait).then_some(wait),
        Observed::Status {
            status: 429,
            retry_after: None,
        } => Some(backoff(attempt)),
        Observed::Status { status, .. }
            if safety == Safety::Idempotent && RETRYABLE_STATUSES.contains(&status) =>
        {
            Some(backoff(attempt))
        }
        Observed::Status { .. } => None,
    }
}

/// Exponential backoff with jitter: a random delay in `[d/2, d]`, where
/// `d = min(100 ms * 2^attempt, 5 s)`.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << attempt.min(16));
    let d = exp.min(BACKOFF_CAP);
    let half = d / 2;
    half + half.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Observed::*;
    use Safety::*;

    const WAIT: Duration = Duration::from_secs(10);

    #[test]
    fn rotate_is_never_resent_after_it_was_sent() {
        for s in RETRYABLE_STATUSES {
            assert_eq!(
                decide(
                    Status {
                        status: s,
                        retry_after: None
                    },
                    NotIdempotent,
                    0,
                    2,
                    WAIT
                ),
                None
            );
        }
        assert_eq!(
            decide(MaybeSent { timed_out: false }, NotIdempotent, 0, 2, WAIT),
            None
        );
        assert_eq!(
            decide(MaybeSent { timed_out: true }, NotIdempotent, 0, 2, WAIT),
            None
        );
        assert_eq!(
            decide(
                Status {
                    status: 500,
                    retry_after: None
                },
                NotIdempotent,
                0,
                2,
                WAIT
            ),
            None
        );
    }

    #[test]
    fn unsent_requests_are_retried_for_every_call() {
        assert!(decide(NotSent, NotIdempotent, 0, 2, WAIT).is_some());
        assert!(decide(NotSent, Idempotent, 1, 2, WAIT).is_some());
        assert_eq!(decide(NotSent, Idempotent, 2, 2, WAIT), None);
        assert_eq!(decide(NotSent, Idempotent, 0, 0, WAIT), None);
    }

    #[test]
    fn batch_is_resent_on_edge_errors_and_drops() {
        assert!(decide(
            Status {
                status: 503,
                retry_after: None
            },
            Idempotent,
            0,
            2,
            WAIT
        )
        .is_some());
        assert!(decide(
            Status {
                status: 524,
                retry_after: None
            },
            Idempotent,
            1,
            2,
            WAIT
        )
        .is_some());
        assert!(decide(MaybeSent { timed_out: false }, Idempotent, 0, 2, WAIT).is_some());
        assert_eq!(
            decide(MaybeSent { timed_out: true }, Idempotent, 0, 2, WAIT),
            None
        );
        assert_eq!(
            decide(
                Status {
                    status: 500,
                    retry_after: None
                },
                Idempotent,
                0,
                2,
                WAIT
            ),
            None
        );
        assert_eq!(
            decide(
                Status {
                    status: 400,
                    retry_after: None
                },
                Idempotent,
                0,
                2,
                WAIT
            ),
            None
        );
    }

    #[test]
    fn short_retry_after_is_waited_long_one_surfaces() {
        let short = Status {
            status: 429,
            retry_after: Some(Duration::from_secs(1)),
        };
        assert_eq!(
            decide(short, NotIdempotent, 0, 2, WAIT),
            Some(Duration::from_secs(1))
        );
        let long = Status {
            status: 429,
            retry_after: Some(Duration::from_secs(30)),
        };
        assert_eq!(decide(long, NotIdempotent, 0, 2, WAIT), None);
        let edge = Status {
            status: 429,
            retry_after: Some(WAIT),
        };
        assert_eq!(decide(edge, Idempotent, 0, 2, WAIT), Some(WAIT));
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for attempt in 0..20 {
            let d = backoff(attempt);
            let full = BACKOFF_BASE
                .saturating_mul(1 << attempt.min(16))
                .min(BACKOFF_CAP);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }
}
