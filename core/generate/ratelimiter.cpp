// SPDX-License-Identifier: MIT
#include "ratelimiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace dualscope::generate {

namespace {

constexpr double kNanosPerSecond = 1e9;
// Slack for floating-point rounding: 1e10 ns * 0.1/s / 1e9 may come out as
// 0.99999999999 instead of 1. A token that is "almost there" counts as there; the
// shortfall is carried as a (tiny) negative fraction, so nothing drifts.
constexpr double kEpsilon = 1e-9;
// Default bucket: this much time worth of events (see the header).
constexpr double kDefaultBurstSeconds = 0.1;
// Buckets beyond this hold "all you want" anyway; the cap keeps the double
// arithmetic precise to well below one token and far from qint64 overflow.
constexpr double kMaxBurst = 1e12;
// The bucket keeps, above its whole tokens, the progress towards the next one:
// a timer that fires late must not lose the lateness (that would be drift: at
// 0.1/s, a timer 1 ms late every time would stretch each 10 s by 1 ms). So the
// fill is capped just below burst + 1, and take() never grants more than burst.
constexpr double kCarryBelowNextToken = 1e-6;

} // namespace

qint64 RateLimiter::steadyClock()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

RateLimiter::RateLimiter(double eventsPerSecond, double burst, Clock clock)
    : m_clock(clock ? std::move(clock) : Clock(&steadyClock))
{
    m_unlimited = !(eventsPerSecond > 0) || std::isinf(eventsPerSecond);
    m_rate = m_unlimited ? 0 : eventsPerSecond;
    if (!(burst > 0) || std::isnan(burst))
        burst = m_rate * kDefaultBurstSeconds;
    m_burst = std::clamp(std::round(burst), 1.0, kMaxBurst);
    m_tokens = m_burst;
    m_lastNs = m_clock();
}

double RateLimiter::tokensAt(qint64 now) const
{
    // A clock that steps back (it should not) refills nothing rather than taking
    // tokens away. The difference is done in double: a huge jump cannot overflow.
    const double elapsed = double(now) - double(m_lastNs);
    if (!(elapsed > 0))
        return m_tokens;
    // Multiply before dividing: elapsed * rate is exact for the common round rates.
    return std::min(m_burst + 1.0 - kCarryBelowNextToken,
                    m_tokens + elapsed * m_rate / kNanosPerSecond);
}

qint64 RateLimiter::take(qint64 wanted)
{
    if (wanted <= 0)
        return 0;
    if (m_unlimited)
        return wanted;
    const qint64 now = m_clock();
    m_tokens = tokensAt(now);
    m_lastNs = std::max(m_lastNs, now);
    const double available = std::min(m_burst, std::floor(m_tokens + kEpsilon));
    const qint64 granted = available >= double(wanted) ? wanted : qint64(available);
    m_tokens -= double(granted);
    return granted;
}

qint64 RateLimiter::nanosUntilNext() const
{
    if (m_unlimited)
        return 0;
    const double tokens = tokensAt(m_clock());
    if (tokens + kEpsilon >= 1.0)
        return 0;
    const double nanos = std::ceil((1.0 - tokens) * kNanosPerSecond / m_rate);
    // 9.2e18 ns is about 292 years: a tiny rate cannot overflow the result.
    if (nanos >= double(std::numeric_limits<qint64>::max()))
        return std::numeric_limits<qint64>::max();
    return std::max(qint64(1), qint64(nanos));
}

} // namespace dualscope::generate
