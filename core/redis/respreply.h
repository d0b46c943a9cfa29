// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace dualscope::redis {

// One RESP2 reply, detached from hiredis: a plain value, safe to copy between threads.
struct RespReply
{
    enum class Type { Status, Error, Integer, String, Nil, Array };

    Type type = Type::Nil;
    QByteArray text;           // Status, Error and String payload (binary-safe)
    qint64 integer = 0;        // Integer
    QList<RespReply> elements; // Array

    static RespReply status(const QByteArray &text);
    static RespReply error(const QByteArray &text);
    static RespReply string(const QByteArray &text);
    static RespReply fromInteger(qint64 value);
    static RespReply nil();
    static RespReply array(const QList<RespReply> &elements);

    bool isError() const { return type == Type::Error; }
    bool isNil() const { return type == Type::Nil; }
    // True for a Status reply with exactly this text, e.g. isStatus("OK").
    bool isStatus(const char *expected) const;
    // The first word of an Error reply ("WRONGPASS", "NOAUTH", "ERR"...); empty otherwise.
    QByteArray errorCode() const;

    // One line in redis-cli's style: "OK", (error) ERR..., (integer) 3, "text", (nil),
    // [1) "a", 2) (integer) 1]. Long strings are cut so a log line stays readable.
    QString toDebugString() const;

    friend bool operator==(const RespReply &a, const RespReply &b);
};

} // namespace dualscope::redis
