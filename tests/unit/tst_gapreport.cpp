// SPDX-License-Identifier: MIT
#include "gap/gapreport.h"
#include "gap/reportmerge.h"
#include "memberreport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QXmlStreamReader>

using namespace dualscope::gap;
using dualscope::metrics::LatencyHistogram;

namespace {

constexpr qint64 T0 = 1'795'791'845'123; // 2026-11-27T15:04:05.123Z

GapCounts sampleCounts()
{
    GapCounts c;
    c.matched = 95;
    c.missing = 2;
    c.orphan = 1;
    c.wrongChannel = 1;
    c.duplicate = 3;
    c.late = 4;
    c.unobserved = 2;
    c.kafkaRecords = 101;
    c.redisNotifications = 104;
    c.kafkaEvents = 100;
    return c;
}

ReportWindow sampleWindow()
{
    ReportWindow w;
    w.startMs = T0;
    w.endMs = T0 + 60'000;
    w.topic = "events";
    w.partitions = {{0, 10, 60}, {1, 0, 49}, {2, -1, -1}};
    w.patterns = {"events:*", "audit:*"};
    w.outages = {{T0 + 1000, T0 + 3000, QStringLiteral("connection reset by peer")},
                 {T0 + 50'000, -1, QStringLiteral("still down")}};
    return w;
}

QList<Gap> sampleGaps()
{
    Gap missing;
    missing.kind = GapKind::Missing;
    missing.id = "e-1";
    missing.partition = 1;
    missing.offset = 17;
    missing.expectedChannel = "events:user:octocat";
    missing.kafkaTsMs = T0 + 10;
    missing.detail = QStringLiteral("no notification within the grace window (2000 ms)");
    Gap orphan;
    orphan.kind = GapKind::Orphan;
    orphan.id = "ghost";
    orphan.channel = "events:user:ghost";
    orphan.redisTsMs = T0 + 20;
    orphan.detail = QStringLiteral("not in Kafka");
    Gap unparseable;
    unparseable.kind = GapKind::Unparseable;
    unparseable.partition = 0;
    unparseable.offset = 3;
    unparseable.kafkaTsMs = T0;
    unparseable.detail = QStringLiteral("Kafka record: not valid JSON at byte 4");
    Gap odd;
    odd.kind = GapKind::Missing;
    odd.id = "a<b&c\"d'e\x01\x1f\tz";
    odd.partition = 0;
    odd.offset = 4;
    odd.kafkaTsMs = T0;
    odd.detail = QStringLiteral("odd id \u00e9 <tag> & \x02");
    return {missing, orphan, unparseable, odd};
}

LatencyHistogram sampleLatency()
{
    LatencyHistogram h;
    for (int ms = 1; ms <= 100; ++ms)
        h.record(ms * 1000);
    return h;
}

bool isIsoString(const QJsonValue &v)
{
    return v.isString() && v.toString().endsWith(QLatin1Char('Z')) &&
           v.toString().contains(QLatin1Char('T'));
}

// One consumer group member's report: `gaps` only, counted by kind.
ParsedReport memberReport(const QString &instance, const QList<Gap> &gaps, qint64 matched)
{
    ParsedReport report;
    report.latency = LatencyHistogram();
    report.window.topic = "events";
    report.window.settings.graceMs = 2000;
    report.window.settings.group = QStringLiteral("g1");
    report.window.settings.instance = instance;
    report.counts.matched = matched;
    for (qint64 i = 0; i < matched; ++i)
        report.latency->record(10'000);
    for (const Gap &gap : gaps)
        ++report.counts.of(gap.kind);
    report.gaps = gaps;
    return report;
}

Gap gapOf(GapKind kind, const QByteArray &id, const QByteArray &channel,
          const QByteArray &expectedChannel)
{
    return dualscope::testing::memberGap(kind, id, channel, expectedChannel, T0);
}

} // namespace

class TestGapReport final : public QObject
{
    Q_OBJECT

private slots:
    void jsonReportHasEveryFieldWithTheRightType()
    {
        // given a report of sample data
        const QByteArray json =
            writeJsonReport(sampleCounts(), sampleLatency(), sampleWindow(), sampleGaps());
        // when parsed by an independent parser
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
        QVERIFY2(doc.isObject(), qPrintable(error.errorString()));
        const QJsonObject root = doc.object();
        // then every docs/design.md field is there with its type
        QCOMPARE(root.value(QLatin1String("format")).toString(),
                 QLatin1String("dualscope-check-report/1"));
        const QJsonObject counts = root.value(QLatin1String("counts")).toObject();
        for (const char *name :
             {"matched", "missing", "orphan", "wrong_channel", "duplicate", "late", "oversized",
              "unparseable", "unobserved", "key_spread", "reordered", "kafka_records",
              "redis_notifications", "revised", "outside_window_records",
              "outside_window_notifications", "unjudged_notifications"}) {
            QVERIFY2(counts.value(QLatin1String(name)).isDouble(), name);
        }
        QCOMPARE(counts.size(), 17);
        // and the checker's own lag, apart from the system's latency
        for (const char *lag : {"checker_lag_ms", "kafka_tail_lag_ms"}) {
            const QJsonObject summary = root.value(QLatin1String(lag)).toObject();
            for (const char *name : {"p50", "p90", "p99", "max"})
                QVERIFY2(summary.value(QLatin1String(name)).isDouble(), lag);
        }
        QCOMPARE(counts.value(QLatin1String("wrong_channel")).toInteger(), 1);
        QCOMPARE(counts.value(QLatin1String("kafka_records")).toInteger(), 101);

        const QJsonObject latency = root.value(QLatin1String("latency_ms")).toObject();
        for (const char *name : {"p50", "p90", "p99", "max"})
            QVERIFY2(latency.value(QLatin1String(name)).isDouble(), name);
        QCOMPARE(latency.value(QLatin1String("max")).toDouble(), 100.0);
        const double p50 = latency.value(QLatin1String("p50")).toDouble();
        QVERIFY2(p50 >= 50 && p50 <= 53.2, qPrintable(QString::number(p50)));

        const QJsonObject window = root.value(QLatin1String("window")).toObject();
        QCOMPARE(window.value(QLatin1String("start")).toString(),
                 QLatin1String("2026-11-27T15:04:05.123Z"));
        QVERIFY(isIsoString(window.value(QLatin1String("end"))));
        QCOMPARE(window.value(QLatin1String("topic")).toString(), QLatin1String("events"));
        const QJsonArray partitions = window.value(QLatin1String("partitions")).toArray();
        QCOMPARE(partitions.size(), 3);
        QCOMPARE(partitions[0].toObject().value(QLatin1String("partition")).toInteger(), 0);
        QCOMPARE(partitions[0].toObject().value(QLatin1String("first_offset")).toInteger(), 10);
        QCOMPARE(partitions[0].toObject().value(QLatin1String("last_offset")).toInteger(), 60);
        QVERIFY(partitions[2].toObject().value(QLatin1String("first_offset")).isNull());
        const QJsonArray patterns = window.value(QLatin1String("patterns")).toArray();
        QCOMPARE(patterns.size(), 2);
        QCOMPARE(patterns[1].toString(), QLatin1String("audit:*"));
        const QJsonArray outages = window.value(QLatin1String("redis_outages")).toArray();
        QCOMPARE(outages.size(), 2);
        QVERIFY(isIsoString(outages[0].toObject().value(QLatin1String("start"))));
        QVERIFY(isIsoString(outages[0].toObject().value(QLatin1String("end"))));
        QVERIFY(outages[1].toObject().value(QLatin1String("end")).isNull());
        QCOMPARE(outages[0].toObject().value(QLatin1String("cause")).toString(),
                 QLatin1String("connection reset by peer"));

        const QJsonArray gaps = root.value(QLatin1String("gaps")).toArray();
        QCOMPARE(gaps.size(), 4);
        for (const QJsonValue &value : gaps) {
            const QJsonObject gap = value.toObject();
            QCOMPARE(gap.size(), 10);
            QVERIFY(gap.value(QLatin1String("revises")).isNull() ||
                    gap.value(QLatin1String("revises")).isString());
            QVERIFY(gap.value(QLatin1String("kind")).isString());
            QVERIFY(gap.value(QLatin1String("detail")).isString());
            for (const char *name : {"id", "channel", "expected_channel"}) {
                const QJsonValue v = gap.value(QLatin1String(name));
                QVERIFY2(v.isString() || v.isNull(), name);
            }
            for (const char *name : {"partition", "offset"}) {
                const QJsonValue v = gap.value(QLatin1String(name));
                QVERIFY2(v.isDouble() || v.isNull(), name);
            }
            for (const char *name : {"kafka_ts", "redis_ts"}) {
                const QJsonValue v = gap.value(QLatin1String(name));
                QVERIFY2(isIsoString(v) || v.isNull(), name);
            }
        }
        const QJsonObject missing = gaps[0].toObject();
        QCOMPARE(missing.value(QLatin1String("kind")).toString(), QLatin1String("missing"));
        QCOMPARE(missing.value(QLatin1String("offset")).toInteger(), 17);
        QVERIFY(missing.value(QLatin1String("redis_ts")).isNull());
        QVERIFY(missing.value(QLatin1String("channel")).isNull());
        QCOMPARE(missing.value(QLatin1String("kafka_ts")).toString(),
                 QLatin1String("2026-11-27T15:04:05.133Z"));
        const QJsonObject orphan = gaps[1].toObject();
        QVERIFY(orphan.value(QLatin1String("partition")).isNull());
        QVERIFY(gaps[2].toObject().value(QLatin1String("id")).isNull());
        QCOMPARE(gaps[3].toObject().value(QLatin1String("id")).toString(),
                 QString::fromUtf8(sampleGaps()[3].id));
    }

    void roundTripThroughTheReader()
    {
        // given a written report
        const QList<Gap> gaps = sampleGaps();
        const GapCounts counts = sampleCounts();
        const QByteArray json = writeJsonReport(counts, sampleLatency(), sampleWindow(), gaps);
        // when read back
        QString error;
        const std::optional<ParsedReport> report = readJsonReport(json, &error);
        QVERIFY2(report, qPrintable(error));
        // then everything written comes back
        QCOMPARE(report->gaps, gaps);
        QCOMPARE(report->counts, counts);
        QCOMPARE(report->window, sampleWindow());
        QCOMPARE(report->latencyMs.max, 100.0);
        QVERIFY(report->latencyMs.p99 >= 99.0);
    }

    void emptyReportRoundTrips()
    {
        const QByteArray json = writeJsonReport({}, {}, {}, {});
        QString error;
        const auto report = readJsonReport(json, &error);
        QVERIFY2(report, qPrintable(error));
        QVERIFY(report->gaps.isEmpty());
        QCOMPARE(report->latencyMs.p50, 0.0);
        QCOMPARE(report->window.startMs, 0);
    }

    void invalidUtf8IsReplacedNotWritten()
    {
        Gap gap;
        gap.kind = GapKind::Orphan;
        gap.id = "id";
        gap.channel = "events:\xff\xfe";
        const QByteArray json = writeJsonReport({}, {}, {}, {gap});
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
        QVERIFY2(!doc.isNull(), qPrintable(error.errorString()));
        QString readError;
        const auto report = readJsonReport(json, &readError);
        QVERIFY2(report, qPrintable(readError));
        QCOMPARE(report->gaps[0].channel, QString(QStringLiteral("events:\ufffd\ufffd")).toUtf8());
    }

    void refusesWhatIsNotOurs_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<QString>("part");
        const QString notOurs = QStringLiteral("not a Dualscope check report: ");
        QTest::newRow("not json") << QByteArray("<html></html>") << notOurs
                                  << QStringLiteral("not valid JSON at byte 0");
        QTest::newRow("empty") << QByteArray() << notOurs << QStringLiteral("not valid JSON");
        QTest::newRow("array") << QByteArray("[1,2]") << notOurs
                               << QStringLiteral("the top level is not a JSON object");
        QTest::newRow("no format")
            << QByteArray(R"({"counts":{}})") << notOurs << QStringLiteral("no \"format\" member");
        QTest::newRow("other tool") << QByteArray(R"({"format":"junit"})") << notOurs
                                    << QStringLiteral("its format is 'junit'");
        QTest::newRow("format not a string")
            << QByteArray(R"({"format":1})") << notOurs << QStringLiteral("no \"format\" member");
        QTest::newRow("future version")
            << QByteArray(R"({"format":"dualscope-check-report/2"})")
            << QStringLiteral("unsupported Dualscope check report format ")
            << QStringLiteral("'dualscope-check-report/2' (this version reads "
                              "dualscope-check-report/1)");
        QTest::newRow("ours but truncated")
            << QByteArray(R"({"format":"dualscope-check-report/1","counts":{}})")
            << QStringLiteral("malformed Dualscope check report: ")
            << QStringLiteral("counts.matched is missing");
    }

    void refusesWhatIsNotOurs()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, prefix);
        QFETCH(QString, part);
        QString error;
        QVERIFY(!readJsonReport(text, &error));
        QVERIFY2(error.startsWith(prefix) && error.contains(part), qPrintable(error));
    }

    void refusesABadGap()
    {
        // given a valid report whose gap kind was edited by hand
        QByteArray json = writeJsonReport({}, {}, {}, {sampleGaps()[0]});
        json.replace("\"kind\": \"missing\"", "\"kind\": \"vanished\"");
        QString error;
        QVERIFY(!readJsonReport(json, &error));
        QVERIFY2(error.contains(QLatin1String("gaps[0].kind 'vanished'")), qPrintable(error));
        // and a timestamp that is not one
        json = writeJsonReport({}, {}, {}, {sampleGaps()[0]});
        json.replace("2026-11-27T15:04:05.133Z", "yesterday");
        QVERIFY(!readJsonReport(json, &error));
        QVERIFY2(error.contains(QLatin1String("gaps[0].kafka_ts")), qPrintable(error));
    }

    void junitIsWellFormedWithOneTestcasePerKind()
    {
        // given counts with some gap kinds and odd ids
        const QList<Gap> gaps = sampleGaps();
        const QByteArray xml =
            writeJUnitReport(sampleCounts(), gaps, QStringLiteral("check <events> & \"x\""));
        // when parsed
        QXmlStreamReader reader(xml);
        QStringList testcases;
        QStringList failed;
        QString suiteName;
        QString failuresAttribute;
        QString missingText;
        QString current;
        while (!reader.atEnd()) {
            reader.readNext();
            if (!reader.isStartElement())
                continue;
            if (reader.name() == QLatin1String("testsuite")) {
                suiteName = reader.attributes().value(QLatin1String("name")).toString();
                failuresAttribute = reader.attributes().value(QLatin1String("failures")).toString();
            } else if (reader.name() == QLatin1String("testcase")) {
                current = reader.attributes().value(QLatin1String("name")).toString();
                testcases.append(current);
            } else if (reader.name() == QLatin1String("failure")) {
                failed.append(current);
                QVERIFY(reader.attributes()
                            .value(QLatin1String("message"))
                            .startsWith(QString::number(
                                sampleCounts().of(*kindFromName(current.toLatin1())))));
                const QString text = reader.readElementText();
                if (current == QLatin1String("missing"))
                    missingText = text;
            }
        }
        // then it is well formed, one testcase per kind, failures where there are gaps
        QVERIFY2(!reader.hasError(), qPrintable(reader.errorString()));
        QCOMPARE(testcases, (QStringList{QStringLiteral("matched"), QStringLiteral("missing"),
                                         QStringLiteral("orphan"), QStringLiteral("wrong_channel"),
                                         QStringLiteral("duplicate"), QStringLiteral("late"),
                                         QStringLiteral("oversized"), QStringLiteral("unparseable"),
                                         QStringLiteral("unobserved"), QStringLiteral("key_spread"),
                                         QStringLiteral("reordered")}));
        QCOMPARE(failed, (QStringList{QStringLiteral("missing"), QStringLiteral("orphan"),
                                      QStringLiteral("wrong_channel"), QStringLiteral("duplicate"),
                                      QStringLiteral("late"), QStringLiteral("unobserved")}));
        QCOMPARE(failuresAttribute, QStringLiteral("6"));
        QCOMPARE(suiteName, QStringLiteral("check <events> & \"x\""));
        // and odd ids survive, control characters made visible
        QVERIFY2(missingText.contains(QStringLiteral("e-1")), qPrintable(missingText));
        QVERIFY2(missingText.contains(QStringLiteral("a<b&c\"d'e\\u0001\\u001f\tz")),
                 qPrintable(missingText));
        QVERIFY(missingText.contains(QStringLiteral("\u00e9 <tag> & \\u0002")));
    }

    void junitListsAtMostTwentyExamples()
    {
        GapCounts counts;
        counts.missing = 50;
        QList<Gap> gaps;
        for (int i = 0; i < 50; ++i) {
            Gap gap;
            gap.kind = GapKind::Missing;
            gap.id = "id-" + QByteArray::number(i);
            gaps.append(gap);
        }
        const QByteArray xml = writeJUnitReport(counts, gaps, QStringLiteral("s"));
        QVERIFY(xml.contains("id-19"));
        QVERIFY(!xml.contains("id-20"));
        QVERIFY(xml.contains("50 missing"));
    }

    void junitWithoutGapsPasses()
    {
        GapCounts counts;
        counts.matched = 10;
        const QByteArray xml = writeJUnitReport(counts, {}, QStringLiteral("clean"));
        QVERIFY(!xml.contains("<failure"));
        QVERIFY(xml.contains("10 Kafka events matched"));
        QXmlStreamReader reader(xml);
        while (!reader.atEnd())
            reader.readNext();
        QVERIFY(!reader.hasError());
    }

    void aGroupsHalvesArePairedWhenMerged()
    {
        // given two members of one group: one judged "moved" missing, the other got its
        // notification on a channel that maps to its own partition (an orphan there);
        // and "kept" unobserved here, its notification (on the right channel) there
        const ParsedReport a =
            memberReport(QStringLiteral("m0"),
                         {gapOf(GapKind::Missing, "moved", {}, "events:user:alice"),
                          gapOf(GapKind::Unobserved, "kept", {}, "events:user:bob"),
                          gapOf(GapKind::Missing, "lost", {}, "events:user:carol")},
                         10);
        const ParsedReport b =
            memberReport(QStringLiteral("m1"),
                         {gapOf(GapKind::Orphan, "moved", "events:user:alice:misrouted", {}),
                          gapOf(GapKind::Orphan, "kept", "events:user:bob", {}),
                          gapOf(GapKind::Orphan, "ghost", "events:user:dave", {})},
                         20);
        // when merged
        QString error;
        const std::optional<ParsedReport> merged = mergeReports({a, b}, {}, &error);
        QVERIFY2(merged, qPrintable(error));
        // then each pair is the verdict one checker gives, and the rest stay as they were
        QCOMPARE(merged->counts.matched, 31);
        QCOMPARE(merged->counts.wrongChannel, 1);
        QCOMPARE(merged->counts.missing, 1);
        QCOMPARE(merged->counts.unobserved, 0);
        QCOMPARE(merged->counts.orphan, 1);
        QCOMPARE(merged->gaps.size(), 3);
        QCOMPARE(merged->latency->count(), 31);
        for (const Gap &gap : merged->gaps) {
            if (gap.id == "moved") {
                QCOMPARE(gap.kind, GapKind::WrongChannel);
                QCOMPARE(gap.revises, std::optional<GapKind>(GapKind::Missing));
                QCOMPARE(gap.channel, QByteArray("events:user:alice:misrouted"));
            } else {
                QVERIFY2(gap.id == "lost" || gap.id == "ghost", gap.id.constData());
            }
        }
        // and reports of plain checks (no group) are never paired
        ParsedReport plainA = a, plainB = b;
        plainA.window.settings.group.clear();
        plainB.window.settings.group.clear();
        const std::optional<ParsedReport> plain = mergeReports({plainA, plainB}, {}, &error);
        QVERIFY2(plain, qPrintable(error));
        QCOMPARE(plain->counts.orphan, 3);
        QCOMPARE(plain->counts.missing, 2);
    }
};

QTEST_APPLESS_MAIN(TestGapReport)
#include "tst_gapreport.moc"
