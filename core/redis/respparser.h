// SPDX-License-Identifier: MIT
#pragma once

#include "respreply.h"

#include <QString>
#include <memory>
#include <optional>

struct redisReader;

namespace dualscope::redis {

// Incremental RESP2 parser over hiredis's redisReader: feed bytes as they arrive, take
// complete replies out with next(). A plain class, used by one thread at a time.
//
// Once the input is not RESP (e.g. the peer speaks HTTP), hasError() turns true and stays
// true: the stream cannot be resynchronised, so the connection must be dropped; reset()
// starts over for a new connection.
class RespParser final
{
public:
    RespParser();
    ~RespParser();
    RespParser(const RespParser &) = delete;
    RespParser &operator=(const RespParser &) = delete;

    void feed(const char *data, qsizetype size);
    void feed(const QByteArray &data) { feed(data.constData(), data.size()); }

    // The next complete reply, or nullopt when more bytes are needed or on a protocol error.
    std::optional<RespReply> next();

    bool hasError() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }

    // Drops buffered bytes and any error, for a fresh connection.
    void reset();

private:
    struct Refusal;
    struct ReaderDeleter
    {
        void operator()(redisReader *reader) const;
    };
    std::unique_ptr<Refusal> m_refusal; // before m_reader: the reader points at it
    std::unique_ptr<redisReader, ReaderDeleter> m_reader;
    QString m_error;
};

} // namespace dualscope::redis
