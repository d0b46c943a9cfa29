// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

struct rd_kafka_conf_s;

namespace dualscope::kafka {

Q_DECLARE_LOGGING_CATEGORY(lcKafka)

// Routes librdkafka's log lines into the dualscope.kafka category (syslog levels
// mapped to Qt's), instead of librdkafka's default of printing to stderr, which
// would mix with the CLI's machine-readable output.
void routeLogsToQt(rd_kafka_conf_s *conf);

} // namespace dualscope::kafka
