// SPDX-License-Identifier: MIT
#pragma once

#include "cliconnection.h"

class QTextStream;

namespace dualscope::cli {

struct GroupBenchOptions
{
    Connection connection; // a sandbox: the members' group is new for every run
    qint64 count = 200'000;
    double rate = 20'000; // 0: as fast as the publisher can
    int instances = 3;
    int partitions = 12;
};

// `bench check --instances N`: N `check --group` children and one plain `check` child
// watch the same traffic; prints each member's share, CPU time per event and events
// per second, whether the members' merged counts equal the plain checker's, and what
// that says about sizing a group. Exit 0 when they are equal with no false gap.
int runGroupBench(const GroupBenchOptions &options, QTextStream &out);

} // namespace dualscope::cli
