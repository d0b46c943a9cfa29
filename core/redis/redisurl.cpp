// SPDX-License-Identifier: MIT
#include "redisurl.h"

#include <QUrl>
#include <algorithm>

namespace dualscope::redis {

namespace {

QString percentDecoded(QStringView part)
{
    return QString::fromUtf8(QByteArray::fromPercentEncoding(part.toUtf8()));
}

QString percentEncoded(const QString &part)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(part));
}

bool digitsOnly(QStringView text)
{
    return !text.isEmpty() &&
           std::all_of(text.begin(), text.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

// The parts of "scheme://[userinfo@]hostport[/db]". The userinfo ends at the LAST
// '@' of the whole text: '@' cannot occur in a host, a port or a db, so whatever
// stands before it (an unencoded '@', ':' or '/' of a password included) is the
// userinfo and never read as a host, a port or a path.
struct Split
{
    QString scheme; // as written
    bool hasUserinfo = false;
    QStringView userinfo;
    QStringView afterUserinfo; // host[:port][/db]
};

Split split(QStringView text)
{
    Split parts;
    const qsizetype schemeEnd = text.indexOf(QLatin1String("://"));
    QStringView rest = text;
    if (schemeEnd >= 0) {
        parts.scheme = text.left(schemeEnd).toString();
        rest = text.mid(schemeEnd + 3);
    }
    const qsizetype at = rest.lastIndexOf(u'@');
    if (at >= 0) {
        parts.hasUserinfo = true;
        parts.userinfo = rest.left(at);
        rest = rest.mid(at + 1);
    }
    parts.afterUserinfo = rest;
    return parts;
}

// The text as the user wrote it, for error messages, with nothing of a password:
// the userinfo becomes "user:***@" (or "***@"). Without an '@', a port that is not
// a number may be a password that lacks its '@', and is masked too.
QString masked(const QString &text)
{
    const Split parts = split(text);
    QString out = parts.scheme.isEmpty() ? QString() : parts.scheme + QLatin1String("://");
    if (parts.hasUserinfo) {
        const qsizetype colon = parts.userinfo.indexOf(u':');
        if (colon >= 0)
            out += parts.userinfo.left(colon).toString() + QLatin1Char(':');
        out += QLatin1String("***@") + parts.afterUserinfo.toString();
        return out;
    }
    // No '@': what follows the host's first ':' is a port only if it is digits.
    const QStringView rest = parts.afterUserinfo;
    const qsizetype slash = rest.indexOf(u'/');
    const QStringView authority = slash < 0 ? rest : rest.left(slash);
    qsizetype colon = authority.indexOf(u':');
    if (authority.startsWith(u'[')) {
        const qsizetype close = authority.indexOf(QLatin1String("]:"));
        colon = close < 0 ? -1 : close + 1;
    }
    if (colon >= 0 && !digitsOnly(authority.mid(colon + 1)))
        return out + authority.left(colon + 1).toString() + QLatin1String("***");
    return out + rest.toString();
}

} // namespace

std::optional<RedisUrl> RedisUrl::parse(const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    auto fail = [&](const QString &why) -> std::optional<RedisUrl> {
        if (error)
            *error = QStringLiteral("Redis URL \"%1\": %2").arg(masked(trimmed), why);
        return std::nullopt;
    };
    RedisUrl url;
    const Split parts = split(trimmed);
    if (trimmed.indexOf(QLatin1String("://")) < 0)
        return fail(QStringLiteral("it must start with redis:// or rediss:// (TLS)"));
    const QString scheme = parts.scheme.toLower();
    if (scheme == QLatin1String("rediss"))
        url.tls = true;
    else if (scheme != QLatin1String("redis"))
        return fail(QStringLiteral("unsupported scheme \"%1://\": use redis:// or rediss:// (TLS)")
                        .arg(parts.scheme.left(20)));

    if (parts.hasUserinfo) {
        const qsizetype colon = parts.userinfo.indexOf(u':');
        if (colon < 0) {
            url.password = percentDecoded(parts.userinfo);
        } else {
            url.user = percentDecoded(parts.userinfo.left(colon));
            url.password = percentDecoded(parts.userinfo.mid(colon + 1));
        }
    }

    const QStringView rest = parts.afterUserinfo;
    if (rest.contains(u'?') || rest.contains(u'#'))
        return fail(QStringLiteral("query parameters and fragments (\"?\", \"#\") are not "
                                   "supported in a Redis URL"));
    // The path (/db) starts at the first '/' after the authority.
    const qsizetype slash = rest.indexOf(u'/');
    const QStringView authority = slash < 0 ? rest : rest.left(slash);
    const QStringView path = slash < 0 ? QStringView() : rest.mid(slash + 1);

    QStringView hostPart;
    QStringView portPart;
    bool hasPort = false;
    if (authority.startsWith(u'[')) {
        const qsizetype close = authority.indexOf(u']');
        if (close < 0)
            return fail(QStringLiteral("the IPv6 address lacks its closing \"]\""));
        hostPart = authority.mid(1, close - 1);
        const QStringView after = authority.mid(close + 1);
        if (!after.isEmpty()) {
            if (!after.startsWith(u':'))
                return fail(QStringLiteral("unexpected text after the IPv6 address"));
            portPart = after.mid(1);
            hasPort = true;
        }
    } else {
        const qsizetype colon = authority.indexOf(u':');
        if (colon >= 0 && authority.indexOf(u':', colon + 1) >= 0)
            return fail(QStringLiteral("an IPv6 host must be written in brackets, e.g. "
                                       "redis://[::1]:6379"));
        hostPart = colon < 0 ? authority : authority.left(colon);
        if (colon >= 0) {
            portPart = authority.mid(colon + 1);
            hasPort = true;
        }
    }

    if (hostPart.isEmpty())
        return fail(QStringLiteral("there is no host"));
    if (std::any_of(hostPart.begin(), hostPart.end(), [](QChar c) {
            return c.isSpace() || c.unicode() < 0x20 || c.unicode() == 0x7f;
        }))
        return fail(QStringLiteral("the host contains a space or a control character"));
    // (Found by fuzzing: "redis://[[]" gave a host that printed as another URL.)
    if (hostPart.contains(u'[') || hostPart.contains(u']'))
        return fail(QStringLiteral("the host contains a bracket"));
    if (authority.startsWith(u'[') && !hostPart.contains(u':'))
        return fail(QStringLiteral("brackets hold an IPv6 address, e.g. redis://[::1]:6379"));
    url.host = hostPart.toString();

    if (hasPort) {
        const uint port = digitsOnly(portPart) ? portPart.toUInt() : 0;
        if (port == 0 || port > 65535) {
            // Quoted only when an '@' ended the userinfo before it: otherwise it may
            // be a password whose '@' was forgotten.
            const QString shown = parts.hasUserinfo || digitsOnly(portPart)
                                      ? QStringLiteral(" \"%1\"").arg(portPart.left(20).toString())
                                      : QString();
            const QString hint = parts.hasUserinfo || digitsOnly(portPart)
                                     ? QString()
                                     : QStringLiteral(" (a password goes before an \"@\": "
                                                      "redis://user:password@host:port)");
            return fail(QStringLiteral("the port%1 is not a number between 1 and 65535%2")
                            .arg(shown, hint));
        }
        url.port = quint16(port);
    }

    if (!path.isEmpty()) {
        bool ok = false;
        const int db = digitsOnly(path) ? path.toInt(&ok) : -1;
        if (!ok || db < 0)
            return fail(QStringLiteral("the database \"%1\" is not a number (the path of a "
                                       "Redis URL is the database index, e.g. /0)")
                            .arg(path.left(20).toString()));
        url.db = db;
    }

    return url;
}

QString RedisUrl::endpoint() const
{
    const QString h = host.contains(u':') ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return h + QLatin1Char(':') + QString::number(port);
}

QString RedisUrl::toDisplayString() const
{
    QString out = tls ? QStringLiteral("rediss://") : QStringLiteral("redis://");
    if (!user.isEmpty() || !password.isEmpty()) {
        // Always "user:" so that a user without a password does not read as a password
        // (userinfo without a colon is a password, as in redis-cli).
        out += percentEncoded(user) + QLatin1Char(':');
        if (!password.isEmpty())
            out += QLatin1String("***");
        out += QLatin1Char('@');
    }
    out += endpoint();
    if (db != 0)
        out += QLatin1Char('/') + QString::number(db);
    return out;
}

} // namespace dualscope::redis
