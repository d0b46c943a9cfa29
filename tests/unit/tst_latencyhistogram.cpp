// SPDX-License-Identifier: MIT
#include "metrics/latencyhistogram.h"

#include <QTest>

using dualscope::metrics::LatencyHistogram;

class TestLatencyHistogram final : public QObject
{
    Q_OBJECT

private slots:
    void emptyIsZero()
    {
        LatencyHistogram histogram;
        QCOMPARE(histogram.percentile(99), 0);
        QCOMPARE(histogram.count(), 0);
    }

    void percentilesOfKnownDataAreWithinBucketPrecision()
    {
        // given 1..10000 microseconds, once each
        LatencyHistogram histogram;
        for (int v = 1; v <= 10'000; ++v)
            histogram.record(v);
        // then each percentile is within 1/16 above the exact value
        for (const double p : {50.0, 90.0, 99.0, 99.9}) {
            const double exact = p / 100 * 10'000;
            const qint64 got = histogram.percentile(p);
            QVERIFY2(got >= exact && got <= exact * 1.0625 + 1,
                     qPrintable(QStringLiteral("p%1: %2 vs %3").arg(p).arg(got).arg(exact)));
        }
        QCOMPARE(histogram.max(), 10'000);
        QCOMPARE(histogram.min(), 1);
        QCOMPARE(histogram.percentile(100), 10'000);
    }

    void smallValuesAreExact()
    {
        LatencyHistogram histogram;
        for (int v = 0; v < 16; ++v)
            histogram.record(v);
        QCOMPARE(histogram.percentile(50), 7);
    }

    void mergeAddsCounts()
    {
        LatencyHistogram a, b;
        a.record(10);
        b.record(1'000'000);
        b.record(-5); // clamped to zero, never a crash
        a.merge(b);
        QCOMPARE(a.count(), 3);
        QCOMPARE(a.max(), 1'000'000);
        QCOMPARE(a.min(), 0);
        QVERIFY(a.percentile(100) == 1'000'000);
    }

    void hugeValues()
    {
        LatencyHistogram histogram;
        histogram.record(std::numeric_limits<qint64>::max());
        QCOMPARE(histogram.percentile(50), std::numeric_limits<qint64>::max());
    }
};

QTEST_APPLESS_MAIN(TestLatencyHistogram)
#include "tst_latencyhistogram.moc"
