// SPDX-License-Identifier: MIT
#include "benchgroup.h"

#include "gap/gapreport.h"
#include "gap/reportmerge.h"
#include "io/userfile.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <cmath>
#include <functional>
#include <memory>
#include <unistd.h>

namespace dualscope::cli {

namespace {

// A `dualscope-cli check` child: its own process, so that its CPU time is its own.
class CheckChild
{
public:
    CheckChild(QString name, QString reportPath)
        : m_name(std::move(name)), m_reportPath(std::move(reportPath))
    {
    }
    void start(const Connection &connection, const QStringList &extra)
    {
        m_process.setProcessEnvironment(childEnvironment(connection));
        QStringList arguments{QStringLiteral("check"),
                              QStringLiteral("--topic"),
                              QString::fromUtf8(connection.topic),
                              QStringLiteral("--duration"),
                              QStringLiteral("0"),
                              QStringLiteral("--report"),
                              m_reportPath};
        for (const auto &[key, value] : connection.kafkaProperties)
            arguments << QStringLiteral("-X") << QString::fromUtf8(key + '=' + value);
        m_process.start(QCoreApplication::applicationFilePath(), arguments + extra);
    }
    void read()
    {
        m_out += m_process.readAllStandardOutput();
        m_err += m_process.readAllStandardError();
    }
    bool ready() const { return m_out.contains("READY\n"); }
    bool running() const { return m_process.state() != QProcess::NotRunning; }
    // The partitions it said last that it owns ("... owns partitions 0,3,6,9"); nullopt
    // before it said any.
    std::optional<QSet<qint32>> owned() const
    {
        static const QRegularExpression line(QStringLiteral("owns partitions ([0-9,]+|none)"));
        QRegularExpressionMatchIterator it = line.globalMatch(QString::fromUtf8(m_err));
        std::optional<QSet<qint32>> owned;
        while (it.hasNext()) {
            owned.emplace();
            for (const QString &p :
                 it.next().captured(1).split(QLatin1Char(','), Qt::SkipEmptyParts))
                if (p != QLatin1String("none"))
                    owned->insert(p.toInt());
        }
        return owned;
    }
    // User plus system CPU time so far, from /proc (QProcess has no rusage).
    double cpuSeconds() const
    {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(m_process.processId()));
        if (!stat.open(QIODevice::ReadOnly))
            return -1;
        const QByteArray text = stat.readAll();
        // Fields after the command name, which is in parentheses and may hold spaces.
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() < 13)
            return -1;
        // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
        return (fields.at(11).toDouble() + fields.at(12).toDouble()) /
               double(::sysconf(_SC_CLK_TCK));
    }
    void terminate() { m_process.terminate(); }
    bool finish(int timeoutMs)
    {
        const bool ended = m_process.waitForFinished(timeoutMs);
        read();
        if (!ended)
            m_process.kill();
        return ended && m_process.exitStatus() == QProcess::NormalExit &&
               m_process.exitCode() <= ExitGaps;
    }
    std::optional<gap::ParsedReport> report(QString *error) const
    {
        QByteArray bytes;
        if (!io::readUserFile(m_reportPath, io::kMaxReportFileBytes, &bytes, error))
            return std::nullopt;
        return gap::readJsonReport(bytes, error);
    }
    QString errors() const { return QString::fromUtf8(m_err.right(2000)); }
    const QString &name() const { return m_name; }
    QString reportPath() const { return m_reportPath; }

private:
    QString m_name;
    QString m_reportPath;
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

// Runs the event loop for `ms`: the children's pipes are read, and their state is
// known, only through it.
void pause(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Waits (bounded) until `done`, reading every child's output meanwhile.
bool waitFor(const std::vector<std::unique_ptr<CheckChild>> &children, int timeoutMs,
             const std::function<bool()> &done)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        for (const auto &child : children)
            child->read();
        if (done())
            return true;
        pause(50);
    }
    return false;
}

// Every partition owned by exactly one member.
bool settled(const std::vector<std::unique_ptr<CheckChild>> &members, int partitions)
{
    qsizetype total = 0;
    QSet<qint32> all;
    for (const auto &member : members) {
        const std::optional<QSet<qint32>> owned = member->owned();
        if (!owned)
            return false;
        total += owned->size();
        all.unite(*owned);
    }
    return total == partitions && all.size() == partitions;
}

QString partitionsText(const QSet<qint32> &partitions)
{
    QList<qint32> sorted(partitions.cbegin(), partitions.cend());
    std::sort(sorted.begin(), sorted.end());
    QStringList parts;
    for (const qint32 p : sorted)
        parts.append(QString::number(p));
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QLatin1Char(','));
}

} // namespace

int runGroupBench(const GroupBenchOptions &options, QTextStream &out)
{
    QTemporaryDir dir;
    const QString group =
        QStringLiteral("dualscope-bench-%1").arg(QCoreApplication::applicationPid());
    // A short session, as on the sandbox's mock coordinator rebalances wait for it.
    const QStringList fastGroup{QStringLiteral("-X"), QStringLiteral("session.timeout.ms=3000"),
                                QStringLiteral("-X"), QStringLiteral("heartbeat.interval.ms=500")};
    std::vector<std::unique_ptr<CheckChild>> members;
    for (int i = 0; i < options.instances; ++i) {
        members.push_back(std::make_unique<CheckChild>(
            QStringLiteral("member %1").arg(i), dir.filePath(QStringLiteral("m%1.json").arg(i))));
        members.back()->start(options.connection, QStringList{QStringLiteral("--group"), group,
                                                              QStringLiteral("--instance"),
                                                              QStringLiteral("m%1").arg(i)} +
                                                      fastGroup);
    }
    std::vector<std::unique_ptr<CheckChild>> single;
    single.push_back(std::make_unique<CheckChild>(QStringLiteral("one checker"),
                                                  dir.filePath(QStringLiteral("single.json"))));
    single.front()->start(options.connection, {});
    const auto all = [&] {
        std::vector<CheckChild *> list;
        for (const auto &m : members)
            list.push_back(m.get());
        list.push_back(single.front().get());
        return list;
    };
    const auto fail = [&](const QString &why) {
        printError(why);
        for (CheckChild *child : all()) {
            child->terminate();
            child->finish(5000);
        }
        return int(ExitError);
    };
    if (!waitFor(members, 60'000, [&] {
            for (CheckChild *child : all()) {
                child->read();
                if (!child->running() || !child->ready())
                    return false;
            }
            return settled(members, options.partitions);
        })) {
        return fail(QStringLiteral("the checkers did not split the partitions within 60 s: ") +
                    members.front()->errors());
    }
    // What each member owns while the traffic flows (at the end they leave one by one).
    std::vector<QSet<qint32>> shares;
    for (const auto &member : members)
        shares.push_back(member->owned().value_or(QSet<qint32>()));
    // A notification in the grace window after its partition's assignment is not
    // judged without its record; the traffic starts after that window. Meanwhile each
    // checker's CPU time without traffic (polling, PINGs, heartbeats) is measured, to
    // be told apart from its cost per event.
    std::vector<double> idleFrom;
    for (CheckChild *child : all())
        idleFrom.push_back(child->cpuSeconds());
    QElapsedTimer idleClock;
    idleClock.start();
    pause(2500);
    std::vector<double> idlePerSecond;
    for (CheckChild *child : all())
        idlePerSecond.push_back((child->cpuSeconds() - idleFrom[idlePerSecond.size()]) /
                                (idleClock.elapsed() / 1000.0));

    QProcess publisher;
    publisher.setProcessEnvironment(childEnvironment(options.connection));
    QStringList publish{QStringLiteral("publish"),
                        QStringLiteral("--topic"),
                        QString::fromUtf8(options.connection.topic),
                        QStringLiteral("--count"),
                        QString::number(options.count),
                        QStringLiteral("--batch"),
                        QStringLiteral("1000"),
                        QStringLiteral("--sources"),
                        QStringLiteral("50"),
                        QStringLiteral("--json")};
    if (options.rate > 0)
        publish << QStringLiteral("--rate") << QString::number(options.rate);
    QElapsedTimer clock;
    clock.start();
    publisher.start(QCoreApplication::applicationFilePath(), publish);
    std::vector<double> cpuBefore;
    for (CheckChild *child : all())
        cpuBefore.push_back(child->cpuSeconds());
    QElapsedTimer window;
    window.start();
    const qint64 publishTimeoutMs =
        60'000 +
        (options.rate > 0 ? qint64(options.count / options.rate * 2000) : options.count / 10);
    if (!waitFor(members, int(std::min<qint64>(publishTimeoutMs, 3'600'000)),
                 [&] { return publisher.state() == QProcess::NotRunning; }))
        return fail(QStringLiteral("the publisher did not finish in time"));
    const double publishSeconds = clock.elapsed() / 1000.0;
    // Their notifications' grace window, then every checker ends at once (one window).
    pause(2500);
    // CPU time for the traffic: measured over the window, less what the checker spends
    // without traffic in as long.
    const double windowSeconds = window.elapsed() / 1000.0;
    std::vector<double> cpu;
    for (CheckChild *child : all()) {
        const size_t i = cpu.size();
        cpu.push_back(
            std::max(0.0, child->cpuSeconds() - cpuBefore[i] - idlePerSecond[i] * windowSeconds));
    }
    double idleTotal = 0;
    for (const double idle : idlePerSecond)
        idleTotal += idle;
    for (CheckChild *child : all())
        child->terminate();
    for (CheckChild *child : all()) {
        if (!child->finish(60'000))
            return fail(
                QStringLiteral("%1 did not end cleanly: %2").arg(child->name(), child->errors()));
    }
    const QJsonObject published =
        QJsonDocument::fromJson(publisher.readAllStandardOutput()).object();
    const qint64 acked = published.value(QLatin1String("kafka_acked")).toInteger();

    QString error;
    QList<gap::ParsedReport> reports;
    QStringList names;
    for (const auto &member : members) {
        std::optional<gap::ParsedReport> report = member->report(&error);
        if (!report)
            return fail(QStringLiteral("%1's report: %2").arg(member->name(), error));
        reports.append(std::move(*report));
        names.append(member->reportPath());
    }
    const std::optional<gap::ParsedReport> merged = gap::mergeReports(reports, names, &error);
    const std::optional<gap::ParsedReport> one = single.front()->report(&error);
    if (!merged || !one)
        return fail(error);

    const double events = double(std::max<qint64>(1, acked));
    out << "group of " << options.instances << " checkers and one plain checker on the same "
        << acked << " events (" << options.partitions << " partitions), published in "
        << QString::number(publishSeconds, 'f', 1)
        << " s = " << QString::number(acked / std::max(0.001, publishSeconds), 'f', 0)
        << " events/s" << Qt::endl;
    out << "CPU time per checker without traffic: "
        << QString::number(idleTotal / double(idlePerSecond.size()) * 100, 'f', 1)
        << "% of a core on average (subtracted below)" << Qt::endl;
    out << "checker      partitions           records judged   CPU s   CPU us/topic event   "
           "records judged per CPU s"
        << Qt::endl;
    double memberCpu = 0;
    const auto row = [&](const QString &name, const QString &partitions, qint64 judged,
                         double seconds) {
        out << name.leftJustified(12) << ' ' << partitions.leftJustified(20) << ' '
            << QString::number(judged).rightJustified(14) << "   "
            << QString::number(seconds, 'f', 2).rightJustified(5) << "   "
            << QString::number(seconds / events * 1e6, 'f', 2).rightJustified(18) << "   "
            << QString::number(judged / std::max(0.001, seconds), 'f', 0).rightJustified(10)
            << Qt::endl;
    };
    for (qsizetype i = 0; i < reports.size(); ++i) {
        memberCpu += cpu[size_t(i)];
        row(members[size_t(i)]->name(), partitionsText(shares[size_t(i)]),
            reports[i].counts.kafkaRecords, cpu[size_t(i)]);
    }
    const double singleCpu = cpu.back();
    row(QStringLiteral("one checker"), QStringLiteral("all"), one->counts.kafkaRecords, singleCpu);

    bool equal = true;
    QStringList comparison;
    const auto compare = [&](const char *name, qint64 a, qint64 b) {
        equal = equal && a == b;
        comparison.append(QStringLiteral("%1 %2%3%4")
                              .arg(QLatin1String(name))
                              .arg(a)
                              .arg(a == b ? QStringLiteral(" = ") : QStringLiteral(" != "))
                              .arg(b));
    };
    for (const gap::GapKind kind : gap::kAllGapKinds)
        compare(gap::kindName(kind), merged->counts.of(kind), one->counts.of(kind));
    compare("kafka_records", merged->counts.kafkaRecords, one->counts.kafkaRecords);
    compare("redis_notifications", merged->counts.redisNotifications,
            one->counts.redisNotifications);
    // One checker that fell behind says so (unobserved, records it could not reach):
    // then the group did what one process could not, and the counts cannot be equal.
    const bool oneKeptUp = one->counts.unobserved == 0 && one->counts.kafkaRecords == acked;
    out << "merged counts " << (equal ? "equal" : "differ from")
        << " the plain checker's: " << comparison.join(QStringLiteral(", ")) << Qt::endl;
    if (!oneKeptUp)
        out << "the plain checker could not keep up (it read " << one->counts.kafkaRecords << " of "
            << acked << " records; " << one->counts.unobserved
            << " events unobserved, with their cause in its report)" << Qt::endl;

    // Sizing. Each member receives every notification (Pub/Sub is broadcast) and
    // judges its share: cost per topic event = receive + judge / N. One checker
    // pays receive + judge; the members together N * receive + judge.
    // (Per record the plain checker read: it may not have read them all.)
    const double n = options.instances;
    const double singleUs = singleCpu / double(std::max<qint64>(1, one->counts.kafkaRecords)) * 1e6;
    const double receiveUs = (memberCpu / events * 1e6 - singleUs) / (n - 1);
    const double judgeUs = singleUs - receiveUs;
    out << "cost per topic event: receiving (and dropping) a notification "
        << QString::number(receiveUs, 'f', 2) << " us in every member, judging it "
        << QString::number(judgeUs, 'f', 2) << " us in its owner" << Qt::endl;
    // A member of C cores keeps up with R events/s when R * (receive + judge / N) <= C.
    const double rate = 1e6;
    const double receiveCores = rate * receiveUs / 1e6;
    const double judgeCores = rate * judgeUs / 1e6;
    out << "at 1,000,000 events/s a member needs " << QString::number(receiveCores, 'f', 2) << " + "
        << QString::number(judgeCores, 'f', 2) << " / N cores (N members):";
    for (const int cores : {1, 2, 4, 8}) {
        out << ' ' << cores << (cores == 1 ? " core: " : " cores: ");
        if (receiveCores >= cores)
            out << "no N (receiving alone needs more)";
        else
            out << int(std::ceil(judgeCores / (cores - receiveCores))) << " member(s)";
        out << (cores == 8 ? "" : ";");
    }
    out << Qt::endl
        << "(extrapolated from this run's rate: costs per event fall as batches grow, so "
           "measure as close to the rate you size for as this machine allows)"
        << Qt::endl
        << "every member receives every notification (Pub/Sub is broadcast): sharded Pub/Sub on "
           "a Redis Cluster would split that side too"
        << Qt::endl;
    const gap::GapCounts &m = merged->counts;
    const bool clean = (equal || !oneKeptUp) && acked == options.count && m.gapTotal() == 0 &&
                       m.matched == acked && one->counts.gapTotal() == one->counts.unobserved;
    out << (clean ? "the group judged every event with no false gap"
                  : "FALSE GAPS, lost events or a group that disagrees with one checker")
        << Qt::endl;
    return clean ? ExitOk : ExitGaps;
}

} // namespace dualscope::cli
