// SPDX-License-Identifier: MIT
// Every file of the fuzz corpus (tests/fuzz/corpus/<target>/: the seeds, and the
// inputs that once crashed a target, kept as regressions) through its target, in
// the normal build: a crash found by ./build.sh fuzz stays fixed.
#include "fuzztargets.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace dualscope;

namespace {

struct Named
{
    const char *name;
    fuzz::Target target;
};

const Named kTargets[] = {
    {"eventCodec", fuzz::eventCodec},       {"notificationReader", fuzz::notificationReader},
    {"respParser", fuzz::respParser},       {"eventTemplate", fuzz::eventTemplate},
    {"redisUrl", fuzz::redisUrl},           {"reportReader", fuzz::reportReader},
};

} // namespace

class TestFuzzCorpus final : public QObject
{
    Q_OBJECT

private slots:
    void everyCorpusFilePasses_data()
    {
        QTest::addColumn<int>("target");
        QTest::addColumn<QString>("path");
        for (int t = 0; t < int(std::size(kTargets)); ++t) {
            const QDir folder(QStringLiteral(DUALSCOPE_FUZZ_CORPUS "/") +
                              QLatin1String(kTargets[t].name));
            const QStringList files = folder.entryList(QDir::Files, QDir::Name);
            // Each target has seeds: an empty folder would make this test pass on nothing.
            QVERIFY2(!files.isEmpty(), qPrintable(folder.path()));
            for (const QString &file : files)
                QTest::addRow("%s/%s", kTargets[t].name, qPrintable(file))
                    << t << folder.filePath(file);
        }
    }
    void everyCorpusFilePasses()
    {
        QFETCH(int, target);
        QFETCH(QString, path);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray input = file.readAll();
        // A broken property aborts the process: a crash fails the test.
        QCOMPARE(kTargets[target].target(reinterpret_cast<const uint8_t *>(input.constData()),
                                         size_t(input.size())),
                 0);
    }
};

QTEST_APPLESS_MAIN(TestFuzzCorpus)
#include "tst_fuzzcorpus.moc"
