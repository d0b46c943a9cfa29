// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <memory>
#include <utility>

struct rd_kafka_conf_s;
struct rd_kafka_s;
struct rd_kafka_topic_s;

namespace dualscope::kafka {

// librdkafka properties in the order they apply; later ones win.
using Properties = QList<std::pair<QByteArray, QByteArray>>;

// Refuses a bootstrap list that cannot be right before librdkafka tries it (and
// retries it for a minute): each comma-separated entry is [proto://]host:port or
// host (port 9092) with a port of 1..65535, an IPv6 host in brackets. The error
// names the entry and what is wrong with it.
bool validateBootstrap(const QByteArray &bootstrap, QString *error);

// Kafka's rule for topic names: 1 to 249 of [a-zA-Z0-9._-], and not "." or "..".
bool validateTopicName(const QByteArray &topic, QString *error);

// Parses "key=value" as given to -X; the error says what is wrong.
bool parseProperty(const QString &text, std::pair<QByteArray, QByteArray> *property,
                   QString *error);

// docs/design.md's producer defaults: acks=all, idempotence, murmur2_random (the
// Java producer's partitioning, so the same key lands on the same partition), and
// a message timeout of 30 s instead of librdkafka's 5 min so a dead cluster is
// reported while the user still waits for it; no automatic topic creation.
Properties producerDefaults();

struct ConfDeleter
{
    void operator()(rd_kafka_conf_s *conf) const;
};
struct HandleDeleter
{
    void operator()(rd_kafka_s *rk) const;
};
struct TopicDeleter
{
    void operator()(rd_kafka_topic_s *rkt) const;
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_s, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_s, HandleDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_s, TopicDeleter>;

// A configuration with `bootstrap` and the properties applied in order, librdkafka's
// logs routed into dualscope.kafka. On a refused property returns null and names it.
// Values of properties whose name says they are secret never appear in the error.
ConfPtr makeConf(const QByteArray &bootstrap, const Properties &properties, QString *error);

bool isSecretProperty(const QByteArray &name);

// A property's value as the configuration holds it (defaults included); empty when
// the name is unknown.
QByteArray confValue(rd_kafka_conf_s *conf, const char *name);

} // namespace dualscope::kafka
