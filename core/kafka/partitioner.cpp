// SPDX-License-Identifier: MIT
#include "kafka/partitioner.h"

#include <librdkafka/rdkafka.h>

namespace dualscope::kafka {

std::optional<KeyPartitioner> parseKeyPartitioner(const QString &name, QString *error)
{
    if (name == QLatin1String("murmur2") || name == QLatin1String("murmur2_random"))
        return KeyPartitioner::Murmur2;
    if (name == QLatin1String("consistent") || name == QLatin1String("consistent_random"))
        return KeyPartitioner::Crc32;
    if (name == QLatin1String("fnv1a") || name == QLatin1String("fnv1a_random"))
        return KeyPartitioner::Fnv1a;
    *error = QStringLiteral("unknown partitioner '%1' (known: murmur2, murmur2_random, "
                            "consistent, consistent_random, fnv1a, fnv1a_random; 'random' "
                            "places keys nowhere a checker could follow)")
                 .arg(name);
    return std::nullopt;
}

QString keyPartitionerName(KeyPartitioner partitioner)
{
    switch (partitioner) {
    case KeyPartitioner::Murmur2:
        return QStringLiteral("murmur2");
    case KeyPartitioner::Crc32:
        return QStringLiteral("consistent");
    case KeyPartitioner::Fnv1a:
        return QStringLiteral("fnv1a");
    }
    return {};
}

qint32 partitionOfKey(KeyPartitioner partitioner, QByteArrayView key, qint32 partitionCount)
{
    // The keyed variants never read the topic handle (only the *_random ones do, for a
    // key-less message), so none is needed here.
    switch (partitioner) {
    case KeyPartitioner::Murmur2:
        return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), size_t(key.size()),
                                                partitionCount, nullptr, nullptr);
    case KeyPartitioner::Crc32:
        return rd_kafka_msg_partitioner_consistent(nullptr, key.data(), size_t(key.size()),
                                                   partitionCount, nullptr, nullptr);
    case KeyPartitioner::Fnv1a:
        return rd_kafka_msg_partitioner_fnv1a(nullptr, key.data(), size_t(key.size()),
                                              partitionCount, nullptr, nullptr);
    }
    return 0;
}

} // namespace dualscope::kafka
