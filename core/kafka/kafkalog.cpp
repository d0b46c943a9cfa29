// SPDX-License-Identifier: MIT
#include "kafka/kafkalog.h"

#include <librdkafka/rdkafka.h>

namespace dualscope::kafka {

Q_LOGGING_CATEGORY(lcKafka, "dualscope.kafka", QtInfoMsg)

namespace {

// Runs on librdkafka's internal threads; QMessageLogger is thread-safe.
void logToQt(const rd_kafka_t *rk, int level, const char *facility, const char *text)
{
    const char *name = rk ? rd_kafka_name(rk) : "rdkafka";
    if (level <= 3)
        qCCritical(lcKafka, "%s %s: %s", name, facility, text);
    else if (level == 4)
        qCWarning(lcKafka, "%s %s: %s", name, facility, text);
    else if (level <= 6)
        qCInfo(lcKafka, "%s %s: %s", name, facility, text);
    else
        qCDebug(lcKafka, "%s %s: %s", name, facility, text);
}

} // namespace

void routeLogsToQt(rd_kafka_conf_s *conf)
{
    rd_kafka_conf_set_log_cb(conf, logToQt);
}

} // namespace dualscope::kafka
