// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>
#include <algorithm>
#include <deque>
#include <utility>

namespace dualscope::ui {

// Bounded FIFO of the newest `capacity` items: appending past the capacity lets the
// oldest go and counts them. It only stores; a model that owns one decides when to
// trim so that it can announce the removal with one beginRemoveRows/endRemoveRows.
// std::deque underneath: O(1) at both ends and random access, no reallocation of
// the whole history when it grows.
template <typename T> class RingBuffer
{
public:
    explicit RingBuffer(qsizetype capacity) : m_capacity(std::max<qsizetype>(1, capacity)) {}

    qsizetype capacity() const { return m_capacity; }
    // Does not trim: call overflowAfter(0)/dropOldest() to apply a smaller capacity.
    void setCapacity(qsizetype capacity) { m_capacity = std::max<qsizetype>(1, capacity); }

    qsizetype size() const { return qsizetype(m_items.size()); }
    bool isEmpty() const { return m_items.empty(); }
    const T &at(qsizetype i) const { return m_items[size_t(i)]; }
    T &at(qsizetype i) { return m_items[size_t(i)]; }
    const T &front() const { return m_items.front(); }

    // How many of the oldest items must go so that `incoming` more fit.
    qsizetype overflowAfter(qsizetype incoming) const
    {
        return std::max<qsizetype>(0, size() + incoming - m_capacity);
    }

    void dropOldest(qsizetype count)
    {
        count = std::min(count, size());
        m_items.erase(m_items.begin(), m_items.begin() + count);
        m_dropped += count;
    }
    // Counts items that were never stored (e.g. the head of a batch larger than
    // the capacity) as let go, too.
    void countDropped(qsizetype count) { m_dropped += count; }

    // Appends without trimming; the caller has made room with dropOldest().
    void push(T item) { m_items.push_back(std::move(item)); }
    // Inserts [first, last) before item `at` (0..size()), without trimming.
    template <typename Iterator> void insert(qsizetype at, Iterator first, Iterator last)
    {
        m_items.insert(m_items.begin() + at, first, last);
    }

    void clear() { m_items.clear(); }
    void resetDropped() { m_dropped = 0; }
    qint64 droppedCount() const { return m_dropped; }

private:
    std::deque<T> m_items;
    qsizetype m_capacity;
    qint64 m_dropped = 0;
};

} // namespace dualscope::ui
