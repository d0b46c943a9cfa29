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

// Parses "key=value" as given to -X; the error says what is wrong.
bool parseProperty(const QString &text, std::pair<QByteArray, QByteArray> *property,
                   QString *error);

// DESIGN.md's producer defaults: acks=all, idempotence, murmur2_random (the
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

} // namespace dualscope::kafka
