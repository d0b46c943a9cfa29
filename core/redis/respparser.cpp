// SPDX-License-Identifier: MIT
#include "respparser.h"

#include <hiredis/hiredis.h>

namespace dualscope::redis {

namespace {

RespReply convert(const redisReply *reply)
{
    RespReply out;
    switch (reply->type) {
    case REDIS_REPLY_STATUS:
        out.type = RespReply::Type::Status;
        out.text = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_ERROR:
        out.type = RespReply::Type::Error;
        out.text = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_STRING:
        out.type = RespReply::Type::String;
        out.text = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RespReply::Type::Integer;
        out.integer = reply->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RespReply::Type::Array;
        out.elements.reserve(qsizetype(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            out.elements.append(convert(reply->element[i]));
        break;
    case REDIS_REPLY_NIL:
    default:
        // hiredis 0.14 knows no other types (RESP3 came with hiredis 1.0).
        out.type = RespReply::Type::Nil;
        break;
    }
    return out;
}

} // namespace

void RespParser::ReaderDeleter::operator()(redisReader *reader) const
{
    redisReaderFree(reader);
}

RespParser::RespParser() : m_reader(redisReaderCreate()) {}

RespParser::~RespParser() = default;

void RespParser::reset()
{
    m_reader.reset(redisReaderCreate());
    m_error.clear();
}

void RespParser::feed(const char *data, qsizetype size)
{
    if (hasError() || size <= 0)
        return;
    if (redisReaderFeed(m_reader.get(), data, size_t(size)) != REDIS_OK)
        m_error = QString::fromLatin1(m_reader->errstr);
}

std::optional<RespReply> RespParser::next()
{
    if (hasError())
        return std::nullopt;
    void *raw = nullptr;
    if (redisReaderGetReply(m_reader.get(), &raw) != REDIS_OK) {
        m_error = QString::fromLatin1(m_reader->errstr);
        if (m_error.isEmpty())
            m_error = QStringLiteral("RESP protocol error");
        return std::nullopt;
    }
    if (!raw)
        return std::nullopt;
    auto *reply = static_cast<redisReply *>(raw);
    RespReply out = convert(reply);
    freeReplyObject(reply);
    return out;
}

} // namespace dualscope::redis
