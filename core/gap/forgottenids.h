// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QtGlobal>
#include <deque>
#include <limits>
#include <memory>

struct bloom;

namespace dualscope::gap {

// The ids the detector had to forget before their memory window ended (its memory
// cap), each until the moment it would have been forgotten anyway. A notification or
// a record whose id may be one of them cannot be judged an orphan or missing: the
// entry that would have told is gone. Held in Bloom filters, so the memory stays
// bounded whatever is forgotten: a "may be" is sometimes wrong (about 1 in 1,000),
// and only ever in the direction of not judging, never of a false gap.
//
// Filters come in generations of kIdsPerGeneration ids; a generation goes when the
// last of its ids would have been forgotten. Past kMaxGenerations, the oldest goes
// early and its end becomes a blind horizon: until then every id "may be" forgotten.
class ForgottenIds
{
public:
    static constexpr int kIdsPerGeneration = 100'000;
    static constexpr int kMaxGenerations = 32;

    ForgottenIds();
    ~ForgottenIds();
    ForgottenIds(const ForgottenIds &) = delete;
    ForgottenIds &operator=(const ForgottenIds &) = delete;

    // `id` was forgotten early; it would have been remembered until untilMs.
    void add(const QByteArray &id, qint64 untilMs);
    // Whether, at nowMs, `id` may be one forgotten early that would still be
    // remembered. Quick (no hashing) while nothing was forgotten early.
    bool mayHold(const QByteArray &id, qint64 nowMs);
    // Lets go of the generations whose ids would all have been forgotten by nowMs.
    void expire(qint64 nowMs);
    // Ids added since construction.
    qint64 total() const { return m_total; }

private:
    struct BloomDeleter
    {
        void operator()(bloom *filter) const;
    };
    struct Generation
    {
        std::unique_ptr<bloom, BloomDeleter> filter;
        qint64 untilMs = std::numeric_limits<qint64>::min();
        int ids = 0;
    };

    std::deque<Generation> m_generations; // newest at the back
    qint64 m_blindUntilMs = std::numeric_limits<qint64>::min();
    qint64 m_total = 0;
};

} // namespace dualscope::gap
