// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QtGlobal>
#include <optional>

namespace dualscope::redis {

// Where and how to reach one Redis server. A plain value; safe to copy between threads.
struct RedisUrl
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    QString user;     // empty: the "default" user (AUTH with the password only)
    QString password; // never printed: see toDisplayString()
    int db = 0;
    bool tls = false;
    // rediss:// only: PEM files given beside the URL (--redis-ca, --redis-cert,
    // --redis-key). Empty CA: the system's CAs; empty certificate: no client
    // certificate. Not part of the URL text.
    QString tlsCaFile;
    QString tlsCertFile;
    QString tlsKeyFile;

    // Parses redis://[user:pass@]host[:port][/db] and rediss://... (TLS).
    // As in redis-cli, userinfo without a colon is a password ("redis://secret@host"),
    // and "redis://:secret@host" is a password for the default user. User and password
    // are percent-decoded; the userinfo ends at the last '@', so a password may hold an
    // unencoded '@', ':' or '/'. IPv6 hosts are written in brackets ("redis://[::1]:6380").
    // On failure returns nullopt and, when error is given, a sentence that quotes the
    // URL with its userinfo masked ("alice:***@") and names the wrong part: never any
    // piece of the password (a non-numeric port without an '@' before it may be a
    // password and is masked too).
    static std::optional<RedisUrl> parse(const QString &text, QString *error = nullptr);

    // The URL for logs and UI: the password, if any, is shown as "***".
    QString toDisplayString() const;

    // "host:port" (IPv6 in brackets), for messages.
    QString endpoint() const;

    friend bool operator==(const RedisUrl &, const RedisUrl &) = default;
};

} // namespace dualscope::redis
