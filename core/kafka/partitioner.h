// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QString>
#include <optional>

namespace dualscope::kafka {

// The producer's choice of partition for a key, computed here so that a checker in a
// consumer group can tell from a notification's channel (its source id, the record's
// key) which instance owns its record, before parsing anything. The hashes are
// librdkafka's own partitioner functions, so they match its producers by
// construction; murmur2 also matches the Java client's default partitioner.
enum class KeyPartitioner {
    Murmur2, // librdkafka's murmur2 / murmur2_random, Java's default (our publisher's)
    Crc32,   // librdkafka's consistent / consistent_random (its default)
    Fnv1a,   // librdkafka's fnv1a / fnv1a_random (Sarama's default)
};

// By librdkafka's `partitioner` names; the error lists the ones a checker can follow
// ("random" cannot be followed: nothing in the channel says where its record went).
std::optional<KeyPartitioner> parseKeyPartitioner(const QString &name, QString *error);
QString keyPartitionerName(KeyPartitioner partitioner);

// The partition of a non-empty key among partitionCount (> 0) partitions.
qint32 partitionOfKey(KeyPartitioner partitioner, QByteArrayView key, qint32 partitionCount);

} // namespace dualscope::kafka
