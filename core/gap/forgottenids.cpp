// SPDX-License-Identifier: MIT
#include "gap/forgottenids.h"

#include <algorithm>
#include <bloom.h>
#include <new>

namespace dualscope::gap {

namespace {

// 14.4 bits an id, ~180 KB a generation.
constexpr double kFalseHoldRate = 0.001;

} // namespace

void ForgottenIds::BloomDeleter::operator()(bloom *filter) const
{
    bloom_free(filter);
    delete filter;
}

ForgottenIds::ForgottenIds() = default;
ForgottenIds::~ForgottenIds() = default;

void ForgottenIds::add(const QByteArray &id, qint64 untilMs)
{
    if (m_generations.empty() || m_generations.back().ids >= kIdsPerGeneration) {
        if (int(m_generations.size()) >= kMaxGenerations) {
            m_blindUntilMs = std::max(m_blindUntilMs, m_generations.front().untilMs);
            m_generations.pop_front();
        }
        Generation generation;
        generation.filter.reset(new bloom{});
        if (bloom_init(generation.filter.get(), kIdsPerGeneration, kFalseHoldRate) != 0)
            throw std::bad_alloc();
        m_generations.push_back(std::move(generation));
    }
    Generation &newest = m_generations.back();
    bloom_add(newest.filter.get(), id.constData(), int(id.size()));
    newest.untilMs = std::max(newest.untilMs, untilMs);
    ++newest.ids;
    ++m_total;
}

bool ForgottenIds::mayHold(const QByteArray &id, qint64 nowMs)
{
    if (nowMs <= m_blindUntilMs)
        return true;
    for (Generation &generation : m_generations) {
        if (generation.untilMs >= nowMs &&
            bloom_check(generation.filter.get(), id.constData(), int(id.size())) != 0)
            return true;
    }
    return false;
}

void ForgottenIds::expire(qint64 nowMs)
{
    // Not only from the front: an id of the long missing memory keeps its generation
    // for minutes while newer ones, of the short memory, end first.
    m_generations.erase(std::remove_if(m_generations.begin(), m_generations.end(),
                                       [nowMs](const Generation &generation) {
                                           return generation.untilMs < nowMs;
                                       }),
                        m_generations.end());
}

} // namespace dualscope::gap
