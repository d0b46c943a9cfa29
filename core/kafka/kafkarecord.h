// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <utility>

namespace dualscope::kafka {

// One Kafka record as the browser and the tail hand it out: a plain value, safe to
// pass between threads.
struct KafkaRecord
{
    enum class TimestampType { NotAvailable, CreateTime, LogAppendTime };

    QByteArray topic;
    qint32 partition = -1;
    qint64 offset = -1;
    qint64 timestampMs = -1;
    TimestampType timestampType = TimestampType::NotAvailable;
    bool keyIsNull = true;
    QByteArray key;
    bool valueIsNull = true;
    QByteArray value;
    QList<std::pair<QByteArray, QByteArray>> headers;
};

} // namespace dualscope::kafka

Q_DECLARE_METATYPE(dualscope::kafka::KafkaRecord)
