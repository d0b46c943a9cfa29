// SPDX-License-Identifier: MIT
#include "connections/profile.h"

#include "redis/redisurl.h"

#include <QUrl>

namespace dualscope::ui {

namespace {

bool usesSasl(const QString &protocol)
{
    return protocol.startsWith(QLatin1String("sasl_"), Qt::CaseInsensitive);
}

bool usesTls(const QString &protocol)
{
    return protocol.compare(QLatin1String("ssl"), Qt::CaseInsensitive) == 0 ||
           protocol.compare(QLatin1String("sasl_ssl"), Qt::CaseInsensitive) == 0;
}

QString encoded(const QString &part)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(part));
}

} // namespace

kafka::Properties ConnectionProfile::kafkaProperties() const
{
    kafka::Properties properties;
    const QString protocol = securityProtocol.trimmed().toLower();
    if (!protocol.isEmpty())
        properties.append({QByteArrayLiteral("security.protocol"), protocol.toUtf8()});
    // SASL settings on a plaintext or ssl profile would only make librdkafka warn.
    if (usesSasl(protocol)) {
        if (!saslMechanism.isEmpty())
            properties.append({QByteArrayLiteral("sasl.mechanisms"), saslMechanism.toUtf8()});
        if (!saslUser.isEmpty())
            properties.append({QByteArrayLiteral("sasl.username"), saslUser.toUtf8()});
        if (!saslPassword.isEmpty())
            properties.append({QByteArrayLiteral("sasl.password"), saslPassword.toUtf8()});
    }
    if (usesTls(protocol) && !caFile.isEmpty())
        properties.append({QByteArrayLiteral("ssl.ca.location"), caFile.toUtf8()});
    properties.append(extraProperties);
    return properties;
}

QString ConnectionProfile::redisUrlWithCredentials() const
{
    const auto url = redis::RedisUrl::parse(redisUrl);
    // Unparseable: hand it on as typed, so core names the wrong part to the user.
    if (!url)
        return redisUrl;
    const QString user = redisUser.isEmpty() ? url->user : redisUser;
    const QString password = redisPassword.isEmpty() ? url->password : redisPassword;
    QString userInfo;
    if (!password.isEmpty())
        userInfo = encoded(user) + QLatin1Char(':') + encoded(password) + QLatin1Char('@');
    else if (!user.isEmpty())
        userInfo = encoded(user) + QLatin1String(":@");
    // A db typed in the URL counts unless the profile's own db field says otherwise.
    const int db = redisDb != 0 ? redisDb : url->db;
    return (url->tls ? QLatin1String("rediss://") : QLatin1String("redis://")) + userInfo +
           url->endpoint() + QLatin1Char('/') + QString::number(db);
}

void ConnectionProfile::applyTlsFiles(redis::RedisUrl *url) const
{
    url->tlsCaFile = redisTlsCaFile;
    url->tlsCertFile = redisTlsCertFile;
    url->tlsKeyFile = redisTlsKeyFile;
}

} // namespace dualscope::ui
