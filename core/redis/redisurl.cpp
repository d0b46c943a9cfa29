// SPDX-License-Identifier: MIT
#include "redisurl.h"

#include <QUrl>
#include <algorithm>

namespace dualscope::redis {

namespace {

std::optional<RedisUrl> fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return std::nullopt;
}

QString percentDecoded(QStringView part)
{
    return QString::fromUtf8(QByteArray::fromPercentEncoding(part.toUtf8()));
}

QString percentEncoded(const QString &part)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(part));
}

} // namespace

std::optional<RedisUrl> RedisUrl::parse(const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    RedisUrl url;

    const qsizetype schemeEnd = trimmed.indexOf(QLatin1String("://"));
    if (schemeEnd < 0)
        return fail(error, QStringLiteral("\"%1\" is not a Redis URL: it must start with "
                                          "redis:// or rediss://")
                               .arg(trimmed.left(40)));
    const QString scheme = trimmed.left(schemeEnd).toLower();
    if (scheme == QLatin1String("rediss"))
        url.tls = true;
    else if (scheme != QLatin1String("redis"))
        return fail(error, QStringLiteral("unsupported scheme \"%1://\": use redis:// or "
                                          "rediss:// (TLS)")
                               .arg(scheme));

    QStringView rest = QStringView(trimmed).mid(schemeEnd + 3);
    if (rest.contains(u'?') || rest.contains(u'#'))
        return fail(error, QStringLiteral("query parameters and fragments (\"?\", \"#\") are "
                                          "not supported in a Redis URL"));

    // The path (/db) starts at the first '/' after the authority.
    const qsizetype slash = rest.indexOf(u'/');
    QStringView authority = slash < 0 ? rest : rest.left(slash);
    const QStringView path = slash < 0 ? QStringView() : rest.mid(slash + 1);

    // The last '@' ends the userinfo, so an unencoded '@' in a password still parses.
    const qsizetype at = authority.lastIndexOf(u'@');
    if (at >= 0) {
        const QStringView userinfo = authority.left(at);
        authority = authority.mid(at + 1);
        const qsizetype colon = userinfo.indexOf(u':');
        if (colon < 0) {
            url.password = percentDecoded(userinfo);
        } else {
            url.user = percentDecoded(userinfo.left(colon));
            url.password = percentDecoded(userinfo.mid(colon + 1));
        }
    }

    QStringView hostPart;
    QStringView portPart;
    bool hasPort = false;
    if (authority.startsWith(u'[')) {
        const qsizetype close = authority.indexOf(u']');
        if (close < 0)
            return fail(error, QStringLiteral("the IPv6 address in the Redis URL lacks its "
                                              "closing \"]\""));
        hostPart = authority.mid(1, close - 1);
        const QStringView after = authority.mid(close + 1);
        if (!after.isEmpty()) {
            if (!after.startsWith(u':'))
                return fail(error, QStringLiteral("unexpected \"%1\" after the IPv6 address in "
                                                  "the Redis URL")
                                       .arg(after.toString()));
            portPart = after.mid(1);
            hasPort = true;
        }
    } else {
        const qsizetype colon = authority.indexOf(u':');
        if (colon >= 0 && authority.indexOf(u':', colon + 1) >= 0)
            return fail(error, QStringLiteral("an IPv6 host must be written in brackets, "
                                              "e.g. redis://[::1]:6379"));
        hostPart = colon < 0 ? authority : authority.left(colon);
        if (colon >= 0) {
            portPart = authority.mid(colon + 1);
            hasPort = true;
        }
    }

    if (hostPart.isEmpty())
        return fail(error, QStringLiteral("the Redis URL has no host"));
    url.host = hostPart.toString();

    if (hasPort) {
        bool ok = false;
        const uint port = portPart.toUInt(&ok);
        // toUInt accepts "+1" and spaces; a port is digits only.
        const bool digitsOnly =
            std::all_of(portPart.begin(), portPart.end(), [](QChar c) { return c.isDigit(); });
        if (!ok || !digitsOnly || port == 0 || port > 65535)
            return fail(error, QStringLiteral("port \"%1\" is not a number between 1 and 65535")
                                   .arg(portPart.toString()));
        url.port = quint16(port);
    }

    if (!path.isEmpty()) {
        bool ok = false;
        const int db = path.toInt(&ok);
        const bool digitsOnly =
            std::all_of(path.begin(), path.end(), [](QChar c) { return c.isDigit(); });
        if (!ok || !digitsOnly)
            return fail(error, QStringLiteral("database \"%1\" is not a number (the path of a "
                                              "Redis URL is the database index, e.g. /0)")
                                   .arg(path.toString()));
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
