// SPDX-License-Identifier: MIT
#include "respreply.h"

namespace dualscope::redis {

namespace {

// Enough to recognise a value in a log line without flooding it.
constexpr qsizetype MaxDebugBytes = 120;

QString quoted(const QByteArray &bytes)
{
    QString out = QStringLiteral("\"");
    const QByteArray shown = bytes.left(MaxDebugBytes);
    for (const char c : shown) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\')
            out += QLatin1Char('\\') + QLatin1Char(c);
        else if (c == '\n')
            out += QLatin1String("\\n");
        else if (c == '\r')
            out += QLatin1String("\\r");
        else if (u < 0x20 || u >= 0x7f)
            out += QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0'));
        else
            out += QLatin1Char(c);
    }
    out += QLatin1Char('"');
    if (bytes.size() > shown.size())
        out += QStringLiteral("...(%1 bytes)").arg(bytes.size());
    return out;
}

} // namespace

RespReply RespReply::status(const QByteArray &text)
{
    RespReply r;
    r.type = Type::Status;
    r.text = text;
    return r;
}

RespReply RespReply::error(const QByteArray &text)
{
    RespReply r;
    r.type = Type::Error;
    r.text = text;
    return r;
}

RespReply RespReply::string(const QByteArray &text)
{
    RespReply r;
    r.type = Type::String;
    r.text = text;
    return r;
}

RespReply RespReply::fromInteger(qint64 value)
{
    RespReply r;
    r.type = Type::Integer;
    r.integer = value;
    return r;
}

RespReply RespReply::nil()
{
    return RespReply();
}

RespReply RespReply::array(const QList<RespReply> &elements)
{
    RespReply r;
    r.type = Type::Array;
    r.elements = elements;
    return r;
}

bool RespReply::isStatus(const char *expected) const
{
    return type == Type::Status && text == expected;
}

QByteArray RespReply::errorCode() const
{
    if (type != Type::Error)
        return {};
    const qsizetype space = text.indexOf(' ');
    return space < 0 ? text : text.left(space);
}

QString RespReply::toDebugString() const
{
    switch (type) {
    case Type::Status:
        return QString::fromUtf8(text.left(MaxDebugBytes));
    case Type::Error:
        return QLatin1String("(error) ") + QString::fromUtf8(text.left(MaxDebugBytes));
    case Type::Integer:
        return QLatin1String("(integer) ") + QString::number(integer);
    case Type::String:
        return quoted(text);
    case Type::Nil:
        return QStringLiteral("(nil)");
    case Type::Array: {
        if (elements.isEmpty())
            return QStringLiteral("(empty array)");
        QString out = QStringLiteral("[");
        for (qsizetype i = 0; i < elements.size(); ++i) {
            if (i > 0)
                out += QLatin1String(", ");
            out += QString::number(i + 1) + QLatin1String(") ") + elements.at(i).toDebugString();
        }
        return out + QLatin1Char(']');
    }
    }
    return {};
}

bool operator==(const RespReply &a, const RespReply &b)
{
    if (a.type != b.type)
        return false;
    switch (a.type) {
    case RespReply::Type::Status:
    case RespReply::Type::Error:
    case RespReply::Type::String:
        return a.text == b.text;
    case RespReply::Type::Integer:
        return a.integer == b.integer;
    case RespReply::Type::Nil:
        return true;
    case RespReply::Type::Array:
        if (a.elements.size() != b.elements.size())
            return false;
        for (qsizetype i = 0; i < a.elements.size(); ++i) {
            if (!(a.elements.at(i) == b.elements.at(i)))
                return false;
        }
        return true;
    }
    return false;
}

} // namespace dualscope::redis
