// SPDX-License-Identifier: MIT
#include "kafka/kafkaconfig.h"

#include "kafka/kafkalog.h"

#include <algorithm>
#include <librdkafka/rdkafka.h>

namespace dualscope::kafka {

void ConfDeleter::operator()(rd_kafka_conf_s *conf) const
{
    rd_kafka_conf_destroy(conf);
}

void HandleDeleter::operator()(rd_kafka_s *rk) const
{
    rd_kafka_destroy(rk);
}

void TopicDeleter::operator()(rd_kafka_topic_s *rkt) const
{
    rd_kafka_topic_destroy(rkt);
}

namespace {

bool refuse(QString *error, const QString &why)
{
    if (error)
        *error = why;
    return false;
}

} // namespace

bool validateBootstrap(const QByteArray &bootstrap, QString *error)
{
    if (bootstrap.trimmed().isEmpty())
        return refuse(error, QStringLiteral("the Kafka bootstrap list is empty"));
    for (const QByteArray &rawEntry : bootstrap.split(',')) {
        const QByteArray entry = rawEntry.trimmed();
        const QString shown = QString::fromUtf8(entry);
        auto bad = [&](const QString &why) {
            return refuse(error, QStringLiteral("Kafka bootstrap entry '%1': %2").arg(shown, why));
        };
        if (entry.isEmpty())
            return refuse(error, QStringLiteral("the Kafka bootstrap list '%1' has an empty entry")
                                     .arg(QString::fromUtf8(bootstrap)));
        QByteArray hostPort = entry;
        const qsizetype scheme = hostPort.indexOf("://");
        if (scheme >= 0)
            hostPort = hostPort.mid(scheme + 3);
        QByteArray host;
        QByteArray port;
        if (hostPort.startsWith('[')) {
            const qsizetype close = hostPort.indexOf(']');
            if (close < 0)
                return bad(QStringLiteral("the IPv6 address lacks its closing ']'"));
            host = hostPort.mid(1, close - 1);
            const QByteArray after = hostPort.mid(close + 1);
            if (!after.isEmpty() && !after.startsWith(':'))
                return bad(QStringLiteral("unexpected text after the IPv6 address"));
            port = after.mid(1);
            if (after.isEmpty())
                port = "9092";
        } else {
            const qsizetype colon = hostPort.lastIndexOf(':');
            if (colon >= 0 && hostPort.indexOf(':') != colon)
                return bad(QStringLiteral("an IPv6 host must be written in brackets, e.g. "
                                          "[::1]:9092"));
            host = colon < 0 ? hostPort : hostPort.left(colon);
            port = colon < 0 ? QByteArray("9092") : hostPort.mid(colon + 1);
        }
        if (host.isEmpty())
            return bad(QStringLiteral("there is no host"));
        for (const char c : std::as_const(host)) {
            if (static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == '@')
                return bad(QStringLiteral("the host contains a space, '/' or '@'"));
        }
        bool ok = false;
        const uint number = port.toUInt(&ok);
        const bool digits = !port.isEmpty() && std::all_of(port.cbegin(), port.cend(), [](char c) {
            return c >= '0' && c <= '9';
        });
        if (!ok || !digits || number == 0 || number > 65535)
            return bad(QStringLiteral("the port '%1' is not a number between 1 and 65535")
                           .arg(QString::fromUtf8(port)));
    }
    return true;
}

bool validateTopicName(const QByteArray &topic, QString *error)
{
    // Kafka's own limit (249 characters, so that partition folders fit a file name).
    constexpr qsizetype kMaxTopicLength = 249;
    if (topic.isEmpty())
        return refuse(error, QStringLiteral("the topic name is empty"));
    if (topic == "." || topic == "..")
        return refuse(error, QStringLiteral("the topic name cannot be '.' or '..'"));
    if (topic.size() > kMaxTopicLength)
        return refuse(error, QStringLiteral("the topic name is %1 characters long, Kafka allows "
                                            "at most %2")
                                 .arg(topic.size())
                                 .arg(kMaxTopicLength));
    for (const char c : topic) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!allowed)
            return refuse(error, QStringLiteral("the topic name '%1' has a character Kafka does "
                                                "not allow: use letters, digits, '.', '_' and '-'")
                                     .arg(QString::fromUtf8(topic)));
    }
    return true;
}

bool parseProperty(const QString &text, std::pair<QByteArray, QByteArray> *property, QString *error)
{
    const qsizetype eq = text.indexOf(u'=');
    if (eq <= 0) {
        *error = QStringLiteral("librdkafka property '%1' is not key=value").arg(text);
        return false;
    }
    *property = {text.left(eq).trimmed().toUtf8(), text.mid(eq + 1).toUtf8()};
    return true;
}

Properties producerDefaults()
{
    return {{"acks", "all"},
            {"enable.idempotence", "true"},
            {"partitioner", "murmur2_random"},
            {"message.timeout.ms", "30000"},
            // A typo in --topic must be an error, not a new topic on the cluster.
            {"allow.auto.create.topics", "false"},
            // A few ms of lingering builds larger produce requests at high rates
            // without being noticeable to someone firing events by hand.
            {"linger.ms", "5"}};
}

bool isSecretProperty(const QByteArray &name)
{
    const QByteArray lower = name.toLower();
    return lower.contains("password") || lower.contains("secret") || lower.contains("key.pem") ||
           lower.contains("token");
}

QByteArray confValue(rd_kafka_conf_s *conf, const char *name)
{
    char value[512];
    size_t size = sizeof value;
    if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK)
        return {};
    return QByteArray(value);
}

ConfPtr makeConf(const QByteArray &bootstrap, const Properties &properties, QString *error)
{
    ConfPtr conf(rd_kafka_conf_new());
    routeLogsToQt(conf.get());
    char reason[512];
    auto apply = [&](const QByteArray &name, const QByteArray &value) {
        if (rd_kafka_conf_set(conf.get(), name.constData(), value.constData(), reason,
                              sizeof reason) == RD_KAFKA_CONF_OK)
            return true;
        *error = QStringLiteral("librdkafka refused property %1=%2: %3")
                     .arg(QString::fromUtf8(name),
                          isSecretProperty(name) ? QStringLiteral("***") : QString::fromUtf8(value),
                          QString::fromUtf8(reason));
        return false;
    };
    if (!bootstrap.isEmpty() && !apply("bootstrap.servers", bootstrap))
        return nullptr;
    for (const auto &[name, value] : properties) {
        if (!apply(name, value))
            return nullptr;
    }
    return conf;
}

} // namespace dualscope::kafka
