// SPDX-License-Identifier: MIT
#include "generate/ratelimiter.h"

#include <QTest>
#include <limits>

using dualscope::generate::RateLimiter;

namespace {

constexpr qint64 kSecond = 1'000'000'000;

// A clock the test moves by hand: no sleeps, no flakiness.
struct FakeClock
{
    qint64 now = 1'000 * kSecond; // an arbitrary non-zero start, like a real steady clock
    RateLimiter::Clock clock()
    {
        return [this] { return now; };
    }
};

} // namespace

class TestRateLimiter : public QObject
{
    Q_OBJECT

private slots:
    void slowRateIsExactOverTheLongRun();
    void rateOverTenSeconds_data();
    void rateOverTenSeconds();
    void lateTimerDoesNotDrift();
    void burstIsHonouredAfterIdle();
    void defaultBurst_data();
    void defaultBurst();
    void unlimited_data();
    void unlimited();
    void nanosUntilNext();
    void largeTimeJumpsDoNotOverflow();
    void clockSteppingBackTakesNothingAway();
    void takeOfNothing();
};

void TestRateLimiter::slowRateIsExactOverTheLongRun()
{
    // given 0.1 events/s with a bucket of one
    FakeClock fake;
    RateLimiter limiter(0.1, 1, fake.clock());

    // when polled every 100 ms for 100 s
    QList<qint64> releasedAt;
    for (qint64 t = 0; t <= 100 * kSecond; t += kSecond / 10) {
        fake.now = 1'000 * kSecond + t;
        const qint64 n = limiter.take(5);
        QVERIFY(n <= 1);
        if (n == 1)
            releasedAt.append(t / kSecond);
    }

    // then one event at start (the full bucket), then exactly one every 10 s
    const QList<qint64> expected = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
    QCOMPARE(releasedAt, expected);
}

void TestRateLimiter::rateOverTenSeconds_data()
{
    QTest::addColumn<double>("rate");
    QTest::addColumn<qint64>("stepNs");
    QTest::addColumn<qint64>("wantedPerStep");
    QTest::addColumn<double>("burst");

    // A bucket smaller than a step's worth caps each poll (that is what a burst
    // limit means), so the coarse steps get a bucket that holds one step.
    QTest::newRow("1000/s, 1 ms steps") << 1000.0 << qint64(1'000'000) << qint64(100) << 1.0;
    QTest::newRow("1000/s, 7 ms steps") << 1000.0 << qint64(7'000'000) << qint64(100) << 7.0;
    QTest::newRow("1000/s, ragged 333 us") << 1000.0 << qint64(333'333) << qint64(100) << 1.0;
    QTest::newRow("1000/s, default burst") << 1000.0 << qint64(50'000'000) << qint64(1000) << 0.0;
    QTest::newRow("3/s, 10 ms steps") << 3.0 << qint64(10'000'000) << qint64(100) << 1.0;
    QTest::newRow("123456/s, 1 ms steps")
        << 123456.0 << qint64(1'000'000) << qint64(1'000'000) << 0.0;
    QTest::newRow("0.7/s, 1 ms steps") << 0.7 << qint64(1'000'000) << qint64(10) << 1.0;
    QTest::newRow("0.1/s, 3 s steps") << 0.1 << qint64(3'000'000'000) << qint64(10) << 1.0;
}

void TestRateLimiter::rateOverTenSeconds()
{
    QFETCH(double, rate);
    QFETCH(qint64, stepNs);
    QFETCH(qint64, wantedPerStep);
    QFETCH(double, burst);

    // given a limiter whose bucket starts full
    FakeClock fake;
    const qint64 start = fake.now;
    RateLimiter limiter(rate, burst, fake.clock());
    const double initial = limiter.burst();

    // when a greedy caller polls over 10 s
    qint64 total = 0;
    while (fake.now - start < 10 * kSecond) {
        total += limiter.take(wantedPerStep);
        fake.now += stepNs;
    }
    fake.now = start + 10 * kSecond;
    total += limiter.take(wantedPerStep);

    // then it got rate * 10 s plus the full bucket at start, give or take one
    const double expected = rate * 10 + initial;
    QVERIFY2(std::abs(double(total) - expected) <= 1.0,
             qPrintable(QStringLiteral("got %1, expected %2").arg(total).arg(expected)));
}

void TestRateLimiter::lateTimerDoesNotDrift()
{
    // given 0.1/s, burst 1, and a caller that sleeps nanosUntilNext() but whose
    // timer always fires 1 s late
    FakeClock fake;
    const qint64 start = fake.now;
    RateLimiter limiter(0.1, 1, fake.clock());
    QCOMPARE(limiter.take(1), qint64(1));

    // when it runs for 1000 s
    qint64 total = 1;
    while (true) {
        fake.now += limiter.nanosUntilNext() + kSecond;
        if (fake.now - start > 1000 * kSecond)
            break;
        total += limiter.take(1);
    }

    // then the lateness did not accumulate: still one per 10 s (0 .. 990 s)
    QCOMPARE(total, qint64(100));
}

void TestRateLimiter::burstIsHonouredAfterIdle()
{
    // given 1000/s with a burst of 50, drained
    FakeClock fake;
    RateLimiter limiter(1000, 50, fake.clock());
    QCOMPARE(limiter.burst(), 50.0);
    QCOMPARE(limiter.take(1000), qint64(50));
    QCOMPARE(limiter.take(1000), qint64(0));

    // when idle for a minute
    fake.now += 60 * kSecond;

    // then at most the burst goes at once, and then the rate again
    QCOMPARE(limiter.take(1000), qint64(50));
    QCOMPARE(limiter.take(1000), qint64(0));
    fake.now += 10'000'000; // 10 ms
    QCOMPARE(limiter.take(1000), qint64(10));

    // and a caller that wants less than available gets what it asked for
    fake.now += 20'000'000;
    QCOMPARE(limiter.take(3), qint64(3));
    QCOMPARE(limiter.take(1000), qint64(17));
}

void TestRateLimiter::defaultBurst_data()
{
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("burst");
    QTest::addColumn<double>("expectedBurst");

    QTest::newRow("0 → 100 ms worth") << 1000.0 << 0.0 << 100.0;
    QTest::newRow("0 at slow rate → 1") << 0.1 << 0.0 << 1.0;
    QTest::newRow("negative → default") << 50.0 << -3.0 << 5.0;
    QTest::newRow("fraction → 1") << 1000.0 << 0.25 << 1.0;
    QTest::newRow("rounded") << 123456.0 << 0.0 << 12346.0;
    QTest::newRow("explicit") << 1000.0 << 7.0 << 7.0;
}

void TestRateLimiter::defaultBurst()
{
    QFETCH(double, rate);
    QFETCH(double, burst);
    QFETCH(double, expectedBurst);

    // given / when
    FakeClock fake;
    RateLimiter limiter(rate, burst, fake.clock());

    // then
    QCOMPARE(limiter.burst(), expectedBurst);
    QCOMPARE(limiter.take(1'000'000), qint64(expectedBurst));
}

void TestRateLimiter::unlimited_data()
{
    QTest::addColumn<double>("rate");
    QTest::newRow("zero") << 0.0;
    QTest::newRow("negative") << -5.0;
    QTest::newRow("infinity") << std::numeric_limits<double>::infinity();
    QTest::newRow("nan") << std::numeric_limits<double>::quiet_NaN();
}

void TestRateLimiter::unlimited()
{
    QFETCH(double, rate);

    // given
    FakeClock fake;
    RateLimiter limiter(rate, 0, fake.clock());

    // when / then: everything goes, always, without the clock moving
    QVERIFY(limiter.unlimited());
    QCOMPARE(limiter.take(1'000'000'000), qint64(1'000'000'000));
    QCOMPARE(limiter.take(std::numeric_limits<qint64>::max()), std::numeric_limits<qint64>::max());
    QCOMPARE(limiter.nanosUntilNext(), qint64(0));
}

void TestRateLimiter::nanosUntilNext()
{
    // given 4 events/s (one every 250 ms), burst 1
    FakeClock fake;
    RateLimiter limiter(4, 1, fake.clock());
    QVERIFY(!limiter.unlimited());
    QCOMPARE(limiter.nanosUntilNext(), qint64(0)); // bucket starts full

    // when the token is taken
    QCOMPARE(limiter.take(1), qint64(1));

    // then the next one is 250 ms away, and shrinks as time passes
    QCOMPARE(limiter.nanosUntilNext(), qint64(250'000'000));
    fake.now += 100'000'000;
    QCOMPARE(limiter.nanosUntilNext(), qint64(150'000'000));
    QCOMPARE(limiter.take(1), qint64(0));

    // and waiting exactly that long yields a token
    fake.now += limiter.nanosUntilNext();
    QCOMPARE(limiter.nanosUntilNext(), qint64(0));
    QCOMPARE(limiter.take(1), qint64(1));

    // and at 0.1/s the wait is 10 s
    RateLimiter slow(0.1, 1, fake.clock());
    QCOMPARE(slow.take(1), qint64(1));
    QCOMPARE(slow.nanosUntilNext(), 10 * kSecond);
}

void TestRateLimiter::largeTimeJumpsDoNotOverflow()
{
    // given a fast limiter on a clock near the start of its range
    FakeClock fake;
    fake.now = std::numeric_limits<qint64>::min() / 2;
    RateLimiter limiter(1e9, 10, fake.clock());
    QCOMPARE(limiter.take(100), qint64(10));

    // when the clock jumps by more than half the range
    fake.now = std::numeric_limits<qint64>::max() - 1;

    // then the bucket is simply full, not overflowed or negative
    QCOMPARE(limiter.nanosUntilNext(), qint64(0));
    QCOMPARE(limiter.take(std::numeric_limits<qint64>::max()), qint64(10));

    // and a very slow rate gives a huge, but valid, wait
    RateLimiter glacial(1e-12, 1, fake.clock());
    QCOMPARE(glacial.take(1), qint64(1));
    QCOMPARE(glacial.nanosUntilNext(), std::numeric_limits<qint64>::max());
}

void TestRateLimiter::clockSteppingBackTakesNothingAway()
{
    // given a drained limiter at 10/s
    FakeClock fake;
    RateLimiter limiter(10, 1, fake.clock());
    QCOMPARE(limiter.take(1), qint64(1));

    // when the clock steps back 5 s, then forward again
    fake.now -= 5 * kSecond;
    QCOMPARE(limiter.take(1), qint64(0));
    fake.now += 5 * kSecond + 100'000'000;

    // then the refill still counts from the latest time seen
    QCOMPARE(limiter.take(1), qint64(1));
}

void TestRateLimiter::takeOfNothing()
{
    FakeClock fake;
    RateLimiter limiter(10, 5, fake.clock());
    QCOMPARE(limiter.take(0), qint64(0));
    QCOMPARE(limiter.take(-3), qint64(0));
    QCOMPARE(limiter.take(100), qint64(5));
}

QTEST_APPLESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
