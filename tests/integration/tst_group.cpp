// SPDX-License-Identifier: MIT
// Checkers as one Kafka consumer group against one sandbox: their merged report
// equals one checker's on the same traffic; a member killed or added mid-run makes
// no false gap and every record is still accounted for; and the channel-to-partition
// map agrees with kcat's producer for each partitioner a checker can follow.
#include "checkrun.h"
#include "kafka/partitioner.h"
#include "peers.h"
#include "sandbox/sandbox.h"

#include <QJsonArray>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <algorithm>

using namespace dualscope;
using namespace dualscope::testing;

namespace {

constexpr int kPartitions = 12;

// The mock coordinator waits a session timeout (less a second) for members to rejoin
// before it rebalances; 3 s keeps a test's rebalances short.
const QStringList kFastGroup{QStringLiteral("-X"), QStringLiteral("session.timeout.ms=3000"),
                             QStringLiteral("-X"), QStringLiteral("heartbeat.interval.ms=500")};

sandbox::SandboxOptions twelvePartitions()
{
    sandbox::SandboxOptions options;
    options.partitions = kPartitions;
    return options;
}

QStringList publishArguments(const sandbox::Sandbox &box, int count, const QStringList &extra)
{
    return QStringList{QStringLiteral("publish"),
                       QStringLiteral("--kafka"),
                       QString::fromUtf8(box.kafkaBootstrap()),
                       QStringLiteral("--redis"),
                       box.redisUrl(),
                       QStringLiteral("--count"),
                       QString::number(count),
                       QStringLiteral("--sources"),
                       QStringLiteral("40")} +
           extra;
}

// The partitions a member said it owns last ("... owns partitions 0,3,6,9").
QSet<qint32> ownedBy(CheckRun &member)
{
    static const QRegularExpression line(QStringLiteral("owns partitions ([0-9,]+|none)"));
    QSet<qint32> owned;
    QRegularExpressionMatchIterator it = line.globalMatch(QString::fromUtf8(member.output()));
    QString last;
    while (it.hasNext())
        last = it.next().captured(1);
    if (last == QLatin1String("none"))
        return owned;
    for (const QString &partition : last.split(QLatin1Char(','), Qt::SkipEmptyParts))
        owned.insert(partition.toInt());
    return owned;
}

// Every partition owned by exactly one of `members`.
bool settled(const QList<CheckRun *> &members)
{
    int total = 0;
    QSet<qint32> all;
    for (CheckRun *member : members) {
        const QSet<qint32> owned = ownedBy(*member);
        total += int(owned.size());
        all.unite(owned);
    }
    return total == kPartitions && all.size() == kPartitions;
}

QStringList memberArguments(const QString &group, const QString &name)
{
    return QStringList{QStringLiteral("--group"),        group,
                       QStringLiteral("--instance"),     name,
                       QStringLiteral("--duration"),     QStringLiteral("0"),
                       QStringLiteral("--report-every"), QStringLiteral("1")} +
           kFastGroup;
}

// SIGTERM to every member at once, as an operator ends a group's watch: a member that
// ends alone hands its partitions to the others, who go on judging them.
bool stopTogether(const QList<CheckRun *> &members)
{
    for (CheckRun *member : members)
        member->process().terminate();
    bool ended = true;
    for (CheckRun *member : members)
        ended = member->finish(30'000) >= 0 && ended;
    return ended;
}

// Starts members[0..n) in `group`, each ready (READY printed).
bool startMembers(const sandbox::Sandbox &box, CheckRun *members, int n, const QString &group)
{
    for (int i = 0; i < n; ++i) {
        if (!members[i].start(box, memberArguments(group, QStringLiteral("m%1").arg(i))))
            return false;
    }
    return true;
}

QJsonObject readReport(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object()
                                          : QJsonObject();
}

QJsonObject merge(const QStringList &reports, QTemporaryDir &dir)
{
    const QString merged = dir.filePath(QStringLiteral("merged.json"));
    const CliResult result = runCli(QStringList{QStringLiteral("report"), QStringLiteral("merge")} +
                                    reports + QStringList{QStringLiteral("--output"), merged});
    if (result.exitCode != 0 && result.exitCode != 1)
        qWarning() << "report merge failed:" << result.err;
    return readReport(merged);
}

// No member reported a gap the system did not cause: the traffic here is clean.
void verifyNoFalseGap(const QJsonObject &report)
{
    for (const char *kind :
         {"missing", "orphan", "duplicate", "wrong_channel", "late", "unparseable", "oversized"})
        QVERIFY2(count(report, kind) == 0,
                 qPrintable(QStringLiteral("%1 %2 in\n%3")
                                .arg(count(report, kind))
                                .arg(QLatin1String(kind),
                                     QString::fromUtf8(QJsonDocument(report).toJson()))));
}

// Every offset of every partition lies in a range some report read: no record went
// unaccounted between the members.
void verifyEveryRecordRead(const QList<QJsonObject> &reports, const QByteArray &bootstrap)
{
    QMap<qint32, qint64> end;
    for (const KafkaRecord &record : kcatConsumeAll(bootstrap, "events"))
        end[record.partition] = std::max(end.value(record.partition), record.offset + 1);
    for (auto it = end.cbegin(); it != end.cend(); ++it) {
        QList<std::pair<qint64, qint64>> ranges;
        for (const QJsonObject &report : reports) {
            for (const QJsonValue &value : report.value(QLatin1String("window"))
                                               .toObject()
                                               .value(QLatin1String("partitions"))
                                               .toArray()) {
                const QJsonObject range = value.toObject();
                if (range.value(QLatin1String("partition")).toInt() == it.key() &&
                    range.value(QLatin1String("first_offset")).toInteger(-1) >= 0)
                    ranges.append({range.value(QLatin1String("first_offset")).toInteger(),
                                   range.value(QLatin1String("last_offset")).toInteger()});
            }
        }
        std::sort(ranges.begin(), ranges.end());
        qint64 covered = 0; // offsets below it are in some range
        for (const auto &[first, last] : ranges) {
            if (first > covered)
                break;
            covered = std::max(covered, last + 1);
        }
        QVERIFY2(covered >= it.value(), qPrintable(QStringLiteral("partition %1: offsets %2-%3 "
                                                                  "were read by no member")
                                                       .arg(it.key())
                                                       .arg(covered)
                                                       .arg(it.value() - 1)));
    }
}

} // namespace

class TestGroup final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(QFile::exists(cliPath()), "DUALSCOPE_CLI is not set"); }

    void threeMembersMergeToOneCheckersCounts()
    {
        // given one plain checker and a group of three on one topic of 12 partitions
        sandbox::Sandbox box(twelvePartitions());
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun single;
        QVERIFY(single.start(box, {QStringLiteral("--duration"), QStringLiteral("0")}));
        CheckRun members[3];
        QVERIFY(startMembers(box, members, 3, QStringLiteral("g1")));
        QTRY_VERIFY_WITH_TIMEOUT(settled({&members[0], &members[1], &members[2]}), 30'000);
        // (A notification in the grace window after its partition's assignment is not
        // judged without its record: the previous owner may have read it. One checker
        // alone would judge a staged orphan there, so the traffic starts after it.)
        QTest::qWait(2500);
        // when events with staged defects are published
        const CliResult published = runCli(publishArguments(
            box, 3000,
            {QStringLiteral("--inject"), QStringLiteral("missing=4"), QStringLiteral("--inject"),
             QStringLiteral("duplicate=3"), QStringLiteral("--inject"), QStringLiteral("orphan=2"),
             QStringLiteral("--inject"), QStringLiteral("wrong_channel=2")}));
        QVERIFY2(published.exitCode == 0, published.err.constData());
        QCOMPARE(single.stop(), 1);
        QVERIFY(stopTogether({&members[0], &members[1], &members[2]}));
        // then the members' merged report counts exactly what the one checker counted
        QTemporaryDir dir;
        const QJsonObject merged =
            merge({members[0].reportPath(), members[1].reportPath(), members[2].reportPath()}, dir);
        const QJsonObject one = single.report();
        for (const char *kind : {"matched", "missing", "orphan", "duplicate", "wrong_channel",
                                 "unobserved", "kafka_records", "redis_notifications"})
            QVERIFY2(
                count(merged, kind) == count(one, kind),
                qPrintable(QStringLiteral("%1: merged %2, one checker %3\n%4\n%5")
                               .arg(QLatin1String(kind))
                               .arg(count(merged, kind))
                               .arg(count(one, kind))
                               .arg(QString::fromUtf8(
                                        QJsonDocument(merged.value(QLatin1String("gaps")).toArray())
                                            .toJson()),
                                    QString::fromUtf8(
                                        QJsonDocument(one.value(QLatin1String("gaps")).toArray())
                                            .toJson()))));
        // (and that is exactly what was staged)
        QCOMPARE(count(one, "missing"), 4);
        QCOMPARE(count(one, "duplicate"), 3);
        QCOMPARE(count(one, "orphan"), 2);
        QCOMPARE(count(one, "wrong_channel"), 2);
        QCOMPARE(count(one, "matched"), 3000 - 4 - 2);
        // and each member judged a share, never all of it
        for (CheckRun &member : members)
            QVERIFY(count(member.report(), "kafka_records") < 3000);
    }

    void aKilledMemberLeavesNoFalseGap()
    {
        // given a group of three, and traffic for 12 s
        sandbox::Sandbox box(twelvePartitions());
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun members[3];
        QVERIFY(startMembers(box, members, 3, QStringLiteral("g2")));
        QTRY_VERIFY_WITH_TIMEOUT(settled({&members[0], &members[1], &members[2]}), 30'000);
        QProcess publisher;
        publisher.start(
            cliPath(),
            publishArguments(box, 12'000, {QStringLiteral("--rate"), QStringLiteral("1000")}));
        // when one member is killed once it has judged some of it
        QTRY_VERIFY_WITH_TIMEOUT(count(readReport(members[2].reportPath()), "matched") > 500,
                                 20'000);
        members[2].process().kill();
        members[2].process().waitForFinished();
        QVERIFY(ended(publisher, 60'000));
        QCOMPARE(publisher.exitCode(), 0);
        // then the survivors take its partitions over
        QTRY_VERIFY_WITH_TIMEOUT(settled({&members[0], &members[1]}), 30'000);
        QVERIFY(stopTogether({&members[0], &members[1]}));
        QTemporaryDir dir;
        const QJsonObject survivors =
            merge({members[0].reportPath(), members[1].reportPath()}, dir);
        // and their merged report has no false gap: what they could not see is unobserved
        verifyNoFalseGap(survivors);
        QVERIFY(count(survivors, "matched") > 0);
        // and every record was read by a survivor or by the killed member before it died
        // (its last rolling report)
        verifyEveryRecordRead({readReport(members[0].reportPath()),
                               readReport(members[1].reportPath()),
                               readReport(members[2].reportPath())},
                              box.kafkaBootstrap());
    }

    void aMemberAddedMidRunMakesNoFalseGap()
    {
        // given a group of two under traffic
        sandbox::Sandbox box(twelvePartitions());
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun members[3];
        QVERIFY(startMembers(box, members, 2, QStringLiteral("g3")));
        QTRY_VERIFY_WITH_TIMEOUT(settled({&members[0], &members[1]}), 30'000);
        QProcess publisher;
        publisher.start(
            cliPath(),
            publishArguments(box, 10'000, {QStringLiteral("--rate"), QStringLiteral("1000")}));
        QTRY_VERIFY_WITH_TIMEOUT(count(readReport(members[0].reportPath()), "matched") > 500,
                                 20'000);
        // when a third joins mid-run
        QVERIFY(members[2].start(box, memberArguments(QStringLiteral("g3"), QStringLiteral("m2"))));
        QTRY_VERIFY_WITH_TIMEOUT(settled({&members[0], &members[1], &members[2]}), 30'000);
        QVERIFY(ended(publisher, 60'000));
        QCOMPARE(publisher.exitCode(), 0);
        QStringList paths;
        QList<QJsonObject> reports;
        QVERIFY(stopTogether({&members[0], &members[1], &members[2]}));
        for (CheckRun &member : members) {
            paths.append(member.reportPath());
            reports.append(member.report());
        }
        // then the group's merged report has no false gap, and every record was read
        QTemporaryDir dir;
        const QJsonObject merged = merge(paths, dir);
        verifyNoFalseGap(merged);
        QVERIFY(count(merged, "matched") > 0);
        QVERIFY(count(reports.last(), "matched") > 0); // the newcomer judged its share
        verifyEveryRecordRead(reports, box.kafkaBootstrap());
    }

    void theScaleBenchAgreesWithOneChecker()
    {
        // given the bench's simulation of a group of three on 12 partitions
        const CliResult result =
            runCli({QStringLiteral("bench"), QStringLiteral("check"), QStringLiteral("--instances"),
                    QStringLiteral("3"), QStringLiteral("--partitions"), QStringLiteral("12"),
                    QStringLiteral("--count"), QStringLiteral("20000"), QStringLiteral("--rate"),
                    QStringLiteral("5000")},
                   180'000);
        // then it ends cleanly, the merged counts equal one checker's (at this rate one
        // checker keeps up), and each member's CPU time per event is printed
        QVERIFY2(result.exitCode == 0, QByteArray(result.out + result.err).constData());
        QVERIFY2(result.out.contains("merged counts equal the plain checker's: matched 20000 = "
                                     "20000"),
                 result.out.constData());
        for (const char *member : {"member 0 ", "member 1 ", "member 2 ", "one checker "})
            QVERIFY2(result.out.contains(member), result.out.constData());
        QVERIFY2(result.out.contains("at 1,000,000 events/s a member needs"),
                 result.out.constData());
    }

    void channelsMapToTheProducersPartitions()
    {
        // given records produced by kcat (librdkafka's producer) with each partitioner a
        // checker can follow, keyed by 300 source ids
        sandbox::Sandbox box(twelvePartitions());
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        const std::pair<const char *, kafka::KeyPartitioner> partitioners[] = {
            {"murmur2_random", kafka::KeyPartitioner::Murmur2},
            {"consistent_random", kafka::KeyPartitioner::Crc32},
            {"fnv1a_random", kafka::KeyPartitioner::Fnv1a},
        };
        for (const auto &[name, partitioner] : partitioners) {
            QByteArray input;
            for (int i = 0; i < 300; ++i)
                input += "user-" + QByteArray::number(i * 7919) + "\t" + name + "\n";
            QProcess kcat;
            kcat.start(toolPath("DUALSCOPE_KCAT", "kcat"),
                       {QStringLiteral("-P"), QStringLiteral("-b"),
                        QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("-t"),
                        QStringLiteral("events"), QStringLiteral("-K"), QStringLiteral("\t"),
                        QStringLiteral("-X"),
                        QStringLiteral("partitioner=%1").arg(QLatin1String(name))});
            QVERIFY(kcat.waitForStarted());
            kcat.write(input);
            kcat.closeWriteChannel();
            QVERIFY(ended(kcat, 30'000));
            QCOMPARE(kcat.exitCode(), 0);
        }
        // when each record's key is mapped as a checker maps a channel's source id
        const QList<KafkaRecord> records = kcatConsumeAll(box.kafkaBootstrap(), "events");
        QCOMPARE(records.size(), 900);
        QSet<qint32> used;
        for (const KafkaRecord &record : records) {
            const auto it = std::find_if(std::begin(partitioners), std::end(partitioners),
                                         [&](const auto &p) { return record.value == p.first; });
            QVERIFY(it != std::end(partitioners));
            // then it names the partition the producer chose
            QCOMPARE(kafka::partitionOfKey(it->second, record.key, kPartitions), record.partition);
            used.insert(record.partition);
        }
        QCOMPARE(used.size(), kPartitions);
    }
};

QTEST_GUILESS_MAIN(TestGroup)
#include "tst_group.moc"
