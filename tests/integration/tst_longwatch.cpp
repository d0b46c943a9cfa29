// SPDX-License-Identifier: MIT
// Long watches and several checkers: rolling reports written atomically, the
// Prometheus exposition scraped by a real Prometheus server, and reports merged
// exactly (counts, gaps, windows and latency buckets).
#include "checkrun.h"
#include "peers.h"
#include "sandbox/sandbox.h"

#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QUrlQuery>
#include <csignal>

using namespace dualscope;
using namespace dualscope::testing;

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost);
    return probe.serverPort();
}

QJsonObject readJson(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object()
                                          : QJsonObject();
}

bool writeJson(const QString &path, const QJsonObject &object)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(QJsonDocument(object).toJson()) > 0;
}

bool publish(const sandbox::Sandbox &box, int count, const QStringList &extra = {})
{
    const CliResult result =
        runCli(QStringList{QStringLiteral("publish"), QStringLiteral("--kafka"),
                           QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
                           box.redisUrl(), QStringLiteral("--count"), QString::number(count)} +
               extra);
    return result.exitCode == 0;
}

// Prometheus's HTTP API: the value of an instant query, or -1.
double queryPrometheus(quint16 port, const QString &expression)
{
    QNetworkAccessManager network;
    QUrl url(QStringLiteral("http://127.0.0.1:%1/api/v1/query").arg(port));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("query"), expression);
    url.setQuery(query);
    QNetworkReply *reply = network.get(QNetworkRequest(url));
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 5000))
        return -1;
    const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    const QJsonArray results =
        answer.value(QLatin1String("data")).toObject().value(QLatin1String("result")).toArray();
    if (results.isEmpty())
        return -1;
    // [ <time>, "<value>" ]
    return results.first()
        .toObject()
        .value(QLatin1String("value"))
        .toArray()
        .at(1)
        .toString()
        .toDouble();
}

} // namespace

class TestLongWatch final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(QFile::exists(cliPath()), "DUALSCOPE_CLI is not set"); }

    void rollingReportsWhileItRuns()
    {
        // given a watch without an end that writes its report every second
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun watch;
        QVERIFY(watch.start(box, {QStringLiteral("--duration"), QStringLiteral("0"),
                                  QStringLiteral("--report-every"), QStringLiteral("1")}));
        const QString report = watch.reportPath();
        // when 500 events are published
        QVERIFY(publish(box, 500));
        // then a report appears while it runs and comes to count them, always whole
        QTRY_COMPARE_WITH_TIMEOUT(count(readJson(report), "matched"), 500, 20'000);
        // and after SIGTERM the final report says the same, and the watch passes
        QCOMPARE(watch.stop(), 0);
        QCOMPARE(count(readJson(report), "matched"), 500);
    }

    void aRealPrometheusScrapesTheWatch()
    {
        // given a watch serving its metrics, and Debian's Prometheus scraping it every second
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        const quint16 metricsPort = freePort();
        CheckRun watch;
        QVERIFY(watch.start(box, {QStringLiteral("--duration"), QStringLiteral("0"),
                                  QStringLiteral("--metrics"),
                                  QStringLiteral("127.0.0.1:%1").arg(metricsPort)}));
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("prometheus.yml"));
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: dualscope\n"
                   "    static_configs:\n      - targets: ['127.0.0.1:" +
                   QByteArray::number(metricsPort) + "']\n");
        file.close();
        const quint16 prometheusPort = freePort();
        QProcess prometheus;
        prometheus.start(
            toolPath("DUALSCOPE_PROMETHEUS", "prometheus"),
            {QStringLiteral("--config.file=") + config,
             QStringLiteral("--storage.tsdb.path=") + dir.filePath(QStringLiteral("data")),
             QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(prometheusPort)});
        QVERIFY2(prometheus.waitForStarted(10'000), "prometheus is not installed");
        // when 300 events are published, two of them without their notification
        QVERIFY(publish(box, 300, {QStringLiteral("--inject=missing=2")}));
        // then Prometheus's own API reads the watch's counters and histogram
        const auto value = [&](const QString &expression) {
            return queryPrometheus(prometheusPort, expression);
        };
        QTRY_COMPARE_WITH_TIMEOUT(value(QStringLiteral("dualscope_events_total{stream=\"kafka\"}")),
                                  300.0, 60'000);
        QTRY_COMPARE_WITH_TIMEOUT(value(QStringLiteral("dualscope_gaps_total{kind=\"missing\"}")),
                                  2.0, 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(value(QStringLiteral("dualscope_gaps_total{kind=\"matched\"}")),
                                  298.0, 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(value(QStringLiteral("dualscope_delivery_latency_seconds_count")),
                                  298.0, 30'000);
        QVERIFY(value(QStringLiteral("dualscope_checker_lag_seconds")) >= 0);
        QCOMPARE(value(QStringLiteral("dualscope_partitions_assigned")), 6.0);
        QCOMPARE(value(QStringLiteral("dualscope_redis_outages_total")), 0.0);
        prometheus.terminate();
        prometheus.waitForFinished(10'000);
        QCOMPARE(watch.stop(), 1); // the two missing
    }

    void reportsMergeExactly()
    {
        // given two checks of the same topic, one after the other
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        QTemporaryDir dir;
        QStringList paths;
        for (int run = 0; run < 2; ++run) {
            CheckRun check;
            QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("2")}));
            QVERIFY(
                publish(box, 200 + 100 * run, {QStringLiteral("--inject=orphan=%1").arg(run + 1)}));
            QCOMPARE(check.finish(), 1);
            paths.append(dir.filePath(QStringLiteral("run%1.json").arg(run)));
            QVERIFY(writeJson(paths.last(), check.report()));
        }
        // when merged
        const QString merged = dir.filePath(QStringLiteral("merged.json"));
        const QString junit = dir.filePath(QStringLiteral("merged.xml"));
        const CliResult result =
            runCli({QStringLiteral("report"), QStringLiteral("merge"), paths.at(0), paths.at(1),
                    QStringLiteral("--output"), merged, QStringLiteral("--junit"), junit});
        QVERIFY2(result.exitCode == 1, result.err.constData());
        // then counts add up, the gaps are both runs', and the latency buckets are the sum
        const QJsonObject a = readJson(paths.at(0)), b = readJson(paths.at(1)),
                          m = readJson(merged);
        QCOMPARE(count(m, "matched"), 500);
        QCOMPARE(count(m, "orphan"), 3);
        QCOMPARE(m.value(QLatin1String("gaps")).toArray().size(), 3);
        const auto bucketTotal = [](const QJsonObject &report) {
            qint64 total = 0;
            for (const QJsonValue &pair : report.value(QLatin1String("latency_histogram"))
                                              .toObject()
                                              .value(QLatin1String("buckets"))
                                              .toArray())
                total += pair.toArray().at(1).toInteger();
            return total;
        };
        QCOMPARE(bucketTotal(m), bucketTotal(a) + bucketTotal(b));
        QCOMPARE(bucketTotal(m), 500);
        const QJsonObject window = m.value(QLatin1String("window")).toObject();
        QCOMPARE(
            window.value(QLatin1String("start")).toString(),
            a.value(QLatin1String("window")).toObject().value(QLatin1String("start")).toString());
        QCOMPARE(
            window.value(QLatin1String("end")).toString(),
            b.value(QLatin1String("window")).toObject().value(QLatin1String("end")).toString());
        QFile junitFile(junit);
        QVERIFY(junitFile.open(QIODevice::ReadOnly));
        QVERIFY(junitFile.readAll().contains("orphan"));

        // and reports that cannot be merged exactly are refused, each with its reason
        QJsonObject otherTopic = b;
        QJsonObject otherWindow = otherTopic.value(QLatin1String("window")).toObject();
        otherWindow.insert(QStringLiteral("topic"), QStringLiteral("orders"));
        otherTopic.insert(QStringLiteral("window"), otherWindow);
        QJsonObject otherGrace = b;
        QJsonObject settings = otherGrace.value(QLatin1String("settings")).toObject();
        settings.insert(QStringLiteral("grace_ms"), 5000);
        otherGrace.insert(QStringLiteral("settings"), settings);
        QJsonObject noBuckets = b;
        noBuckets.remove(QStringLiteral("latency_histogram"));
        const std::pair<QJsonObject, const char *> refused[] = {
            {otherTopic, "different topics"},
            {otherGrace, "other settings"},
            {noBuckets, "no latency buckets"},
        };
        for (const auto &[report, message] : refused) {
            const QString path = dir.filePath(QStringLiteral("refused.json"));
            QVERIFY(writeJson(path, report));
            const CliResult refusal =
                runCli({QStringLiteral("report"), QStringLiteral("merge"), paths.at(0), path});
            QCOMPARE(refusal.exitCode, 2);
            QVERIFY2(refusal.err.contains(message), refusal.err.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestLongWatch)
#include "tst_longwatch.moc"
