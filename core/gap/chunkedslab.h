// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>
#include <memory>
#include <vector>

namespace dualscope::gap {

// Slots of T addressed by a 32-bit number, stored in fixed chunks of kChunk: growing
// never moves what is stored, so a reference taken before an append survives it, and
// the memory held is what is used rounded up to one chunk. A std::vector doubles and
// copies: at 300,000 remembered events it held 2^19 slots and, while it grew, the old
// block beside the new one (132 MB at the peak against 55 MB used). std::deque would
// do the same job with 512-byte chunks: two entries each, a pointer per two.
template <typename T> class ChunkedSlab
{
public:
    static constexpr quint32 kChunkBits = 12;
    static constexpr quint32 kChunk = 1u << kChunkBits;

    quint32 size() const { return m_size; }

    // Appends a default T and returns its slot.
    quint32 append()
    {
        if (m_size == quint32(m_chunks.size()) * kChunk)
            m_chunks.push_back(std::make_unique<T[]>(kChunk));
        return m_size++;
    }

    T &operator[](quint32 slot) { return m_chunks[slot >> kChunkBits][slot & (kChunk - 1)]; }
    const T &operator[](quint32 slot) const
    {
        return m_chunks[slot >> kChunkBits][slot & (kChunk - 1)];
    }

private:
    std::vector<std::unique_ptr<T[]>> m_chunks;
    quint32 m_size = 0;
};

} // namespace dualscope::gap
