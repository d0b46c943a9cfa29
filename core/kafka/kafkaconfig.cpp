// SPDX-License-Identifier: MIT
#include "kafka/kafkaconfig.h"

#include "kafka/kafkalog.h"

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
