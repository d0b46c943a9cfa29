// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>
#include <functional>

namespace dualscope::generate {

// A token bucket for the event generator: "R events per second, at most B at once".
// Our own because nothing in Debian's Qt 6.4 does this (QTimer only ticks, and a
// timer per event cannot reach 100k/s nor stay exact at 0.1/s).
//
// Plain C++ with an injectable clock, so tests drive a fake clock instead of
// sleeping. Drift-free: tokens are refilled from the elapsed time of the clock and
// the fractional part is carried, so over any long run the count is rate * time
// (+ the initial burst), whatever the call pattern.
//
// Not thread-safe: one owner thread calls all methods (the generator's worker).
class RateLimiter
{
public:
    // Nanoseconds, monotonic (std::chrono::steady_clock by default).
    using Clock = std::function<qint64()>;
    static qint64 steadyClock();

    // eventsPerSecond <= 0, infinite or NaN: unlimited.
    // burst: bucket capacity, the most events released at once after an idle
    // period. <= 0 picks the default: 100 ms worth of events, at least 1 — large
    // enough that a coarse 50-100 ms drain timer (STYLE.md) never loses tokens,
    // small enough that a start does not spike. Rounded to whole events, at least
    // 1. The bucket starts full. Besides its whole tokens it carries the progress
    // towards the next one, so a caller that polls late loses nothing.
    explicit RateLimiter(double eventsPerSecond, double burst = 0, Clock clock = &steadyClock);

    // How many of `wanted` may go now (0..wanted); those tokens are consumed.
    qint64 take(qint64 wanted);
    // Nanoseconds until at least one token is available; 0 when one is available
    // now (or unlimited). Meant for arming a single-shot timer.
    qint64 nanosUntilNext() const;

    bool unlimited() const { return m_unlimited; }
    double eventsPerSecond() const { return m_rate; }
    double burst() const { return m_burst; }

private:
    // Tokens available at clock time `now`, refill included, capped just below
    // burst + 1 (whole tokens up to the burst, plus the fraction of the next).
    double tokensAt(qint64 now) const;

    Clock m_clock;
    double m_rate = 0;
    double m_burst = 1;
    bool m_unlimited = true;
    double m_tokens = 0;
    qint64 m_lastNs = 0;
};

} // namespace dualscope::generate
