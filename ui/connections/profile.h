// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/kafkaconfig.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <utility>

namespace dualscope::redis {
struct RedisUrl;
}

namespace dualscope::ui {

// One saved way to reach a system: its Kafka cluster and its Redis server. A plain
// value, safe to copy between threads. The two passwords are part of the value in
// memory only; ProfileStore keeps them out of the settings file.
struct ConnectionProfile
{
    QString name;
    QByteArray kafkaBootstrap;
    QString securityProtocol =
        QStringLiteral("plaintext");                 // plaintext, ssl, sasl_plaintext, sasl_ssl
    QString saslMechanism = QStringLiteral("PLAIN"); // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    QString saslUser;
    QString saslPassword;
    QString caFile;
    QList<std::pair<QByteArray, QByteArray>> extraProperties;
    QByteArray topic = "events";
    QString redisUrl; // redis://host:port[/db], no password in it
    QString redisUser;
    QString redisPassword;
    int redisDb = 0;
    // rediss:// only (PEM files): a private CA instead of the system's, and a client
    // certificate with its key.
    QString redisTlsCaFile;
    QString redisTlsCertFile;
    QString redisTlsKeyFile;

    // librdkafka properties for the security fields, then the extras (later ones win).
    kafka::Properties kafkaProperties() const;
    // redisUrl with user, password and db filled in, for handing to core. It holds the
    // password: never log it or show it (RedisUrl::toDisplayString() is for that).
    QString redisUrlWithCredentials() const;
    // Sets the TLS files of this profile on a URL parsed from redisUrlWithCredentials().
    void applyTlsFiles(redis::RedisUrl *url) const;

    friend bool operator==(const ConnectionProfile &, const ConnectionProfile &) = default;
};

} // namespace dualscope::ui

Q_DECLARE_METATYPE(dualscope::ui::ConnectionProfile)
