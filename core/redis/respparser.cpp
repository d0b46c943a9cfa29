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

// hiredis 0.14 allocates an array's element table as soon as it reads the header, so a
// ten-byte "*200000000" from a broken or hostile peer asks for 1.6 GB before a single
// element arrived (hiredis 1.x added maxelements for this). We wrap its reply functions
// and refuse larger arrays; the largest we ask for (PUBSUB CHANNELS on a busy server) is
// far below the limit.
constexpr int kMaxArrayElements = 1 << 20;

struct ReaderLimits
{
    const redisReplyObjectFunctions *defaults = nullptr;
    redisReplyObjectFunctions limited{};
};

struct ArrayRefusal
{
    int elements = 0;
};

ReaderLimits &readerLimits();

void *createLimitedArray(const redisReadTask *task, int elements)
{
    if (elements > kMaxArrayElements) {
        if (auto *refusal = static_cast<ArrayRefusal *>(task->privdata))
            refusal->elements = elements;
        return nullptr; // hiredis turns this into a protocol error and stops
    }
    return readerLimits().defaults->createArray(task, elements);
}

ReaderLimits &readerLimits()
{
    static ReaderLimits limits = [] {
        ReaderLimits made;
        redisReader *probe = redisReaderCreate();
        made.defaults = probe->fn;
        made.limited = *probe->fn;
        made.limited.createArray = createLimitedArray;
        redisReaderFree(probe);
        return made;
    }();
    return limits;
}

} // namespace

struct RespParser::Refusal : ArrayRefusal
{
};

void RespParser::ReaderDeleter::operator()(redisReader *reader) const
{
    redisReaderFree(reader);
}

RespParser::RespParser() : m_refusal(std::make_unique<Refusal>())
{
    reset();
}

RespParser::~RespParser() = default;

void RespParser::reset()
{
    m_reader.reset(redisReaderCreateWithFunctions(&readerLimits().limited));
    // Not redisReaderSetPrivdata: hiredis 0.14's macro casts the pointer to int.
    m_reader->privdata = static_cast<ArrayRefusal *>(m_refusal.get());
    m_refusal->elements = 0;
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
        m_error = m_refusal->elements > 0
                      ? QStringLiteral("RESP array of %1 elements is over the limit of %2")
                            .arg(m_refusal->elements)
                            .arg(kMaxArrayElements)
                      : QString::fromLatin1(m_reader->errstr);
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
