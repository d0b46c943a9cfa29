// SPDX-License-Identifier: MIT
#pragma once
// Test traffic into Kafka that did not come through our publisher: raw values,
// JSON or not, each acknowledged before flush() returns.

#include "kafka/kafkaconfig.h"

#include <librdkafka/rdkafka.h>

namespace dualscope::testing {

class RawProducer
{
public:
    explicit RawProducer(const QByteArray &bootstrap)
    {
        QString error;
        kafka::ConfPtr conf = kafka::makeConf(bootstrap, {{"linger.ms", "1"}}, &error);
        char reason[256];
        m_handle.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), reason, sizeof reason));
    }
    // partition -1: the partitioner chooses (by key).
    bool produce(const QByteArray &key, const QByteArray &value, qint32 partition = -1)
    {
        return rd_kafka_producev(
                   m_handle.get(), RD_KAFKA_V_TOPIC("events"),
                   RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                   RD_KAFKA_V_KEY(key.constData(), size_t(key.size())),
                   RD_KAFKA_V_VALUE(const_cast<char *>(value.constData()), size_t(value.size())),
                   RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    bool flush() { return rd_kafka_flush(m_handle.get(), 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR; }

private:
    kafka::HandlePtr m_handle;
};

} // namespace dualscope::testing
