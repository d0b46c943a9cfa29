// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/kafkaconfig.h"

#include <QByteArray>
#include <QString>

namespace dualscope::kafka {

// Why the bootstrap addresses do not work as Kafka brokers, found by talking to
// them: a TCP connection and one ApiVersions request per address. librdkafka only
// says "Broker transport failure" for a port where nothing listens, a port of
// another server (HTTP, Redis) that never answers a Kafka request, and one that
// answers something else; this tells them apart, in words, e.g. "127.0.0.1:6379
// accepted the connection but did not answer a Kafka request within 1500 ms: is
// it a Kafka port?". Empty when an address answers like a broker (the failure is
// then elsewhere), and when the connection is not plaintext (TLS or SASL need
// librdkafka's own handshake). Written here because no library offers it.
//
// Blocks for at most timeoutMs per address (at most three addresses): call it on
// a worker thread, on a failure path only.
QString diagnoseBootstrap(const QByteArray &bootstrap, const Properties &properties,
                          int timeoutMs = 1500);

// "cannot reach Kafka ...: <failure>" followed by the diagnosis when there is one.
QString explainKafkaFailure(const QString &failure, const QByteArray &bootstrap,
                            const Properties &properties);

} // namespace dualscope::kafka
