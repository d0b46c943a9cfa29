// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/kafkarecord.h"

#include <QByteArray>
#include <QList>
#include <QString>

// The Kafka browser's value types: what the GUI is shown and what it asks for.
// Apart from kafkabrowser.h so that ui/ sees them without the client class.
namespace dualscope::kafka {

// A page is held in memory whole; larger reads are a tail's job.
inline constexpr int kMaxPageCount = 100000;

struct BrokerInfo
{
    qint32 id = -1;
    QByteArray host;
    int port = 0;
};

struct PartitionInfo
{
    qint32 id = -1;
    qint32 leader = -1;
    QList<qint32> replicas;
    QList<qint32> isrs;
    qint64 low = -1;
    qint64 high = -1;
    // Why the partition has no watermarks or no leader; empty when all is well.
    QString error;
    // Offsets between the watermarks; on a compacted or transactional topic a
    // few of them may hold no record (removed keys, transaction markers).
    qint64 messageCount() const { return low >= 0 && high >= low ? high - low : 0; }
};

struct TopicInfo
{
    QByteArray name;
    QList<PartitionInfo> partitions;
    QString error;
};

struct PageRequest
{
    enum class Anchor { Offset, Timestamp, End };

    QByteArray topic;
    qint32 partition = 0;
    Anchor anchor = Anchor::Offset;
    qint64 offset = 0;      // Anchor::Offset
    qint64 timestampMs = 0; // Anchor::Timestamp: the first record at or after it
    int count = 100;        // 1..kMaxPageCount
    // Only the order of the returned records: the same offsets, newest on top.
    bool newestFirst = false;
    int timeoutMs = 10000;
};

struct Page
{
    QList<KafkaRecord> records;
    qint64 low = -1;
    qint64 high = -1;
    // What the request asked for: the offset, the offset the timestamp resolved
    // to, or the high watermark for Anchor::End.
    qint64 requestedOffset = -1;
    // Where reading started after clamping to the retained range.
    qint64 startOffset = -1;
    // Why the page is not what was asked for (clamped, empty at the end); empty if it is.
    QString notice;
};

struct GroupInfo
{
    QByteArray name;
    QByteArray state;
    QByteArray protocolType;
    QByteArray protocol;
    qint32 coordinator = -1;
    int memberCount = 0;
};

struct GroupLag
{
    qint32 partition = -1;
    // -1 when the group has committed nothing for the partition.
    qint64 committed = -1;
    qint64 low = -1;
    qint64 high = -1;
    // high - committed; without a commit, high - low (every retained record) and
    // `note` says so.
    qint64 lag = 0;
    QString note;
};

} // namespace dualscope::kafka
