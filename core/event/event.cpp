// SPDX-License-Identifier: MIT
#include "event/event.h"

#include <array>

namespace dualscope::event {

namespace {

// Howard Hinnant's days-from-civil algorithms: QDateTime would do, but it costs a
// time-zone lookup per call and this runs once per published event.
qint64 daysFromCivil(qint64 y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<qint64>(doe) - 719468;
}

void civilFromDays(qint64 z, qint64 *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = static_cast<qint64>(yoe) + era * 400 + (*m <= 2);
}

void putDigits(char *out, unsigned value, int width)
{
    for (int i = width - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

bool readDigits(const char *text, int width, int *value)
{
    int result = 0;
    for (int i = 0; i < width; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        result = result * 10 + (text[i] - '0');
    }
    *value = result;
    return true;
}

} // namespace

QByteArray formatTimestamp(qint64 msSinceEpoch)
{
    constexpr qint64 msPerDay = 86'400'000;
    qint64 days = msSinceEpoch / msPerDay;
    qint64 msOfDay = msSinceEpoch % msPerDay;
    if (msOfDay < 0) {
        msOfDay += msPerDay;
        --days;
    }
    qint64 year = 0;
    unsigned month = 0, day = 0;
    civilFromDays(days, &year, &month, &day);
    if (year < 0 || year > 9999)
        year = year < 0 ? 0 : 9999; // ISO 8601 basic range; out-of-range clocks are clamped
    std::array<char, 24> text{};
    putDigits(text.data(), static_cast<unsigned>(year), 4);
    text[4] = '-';
    putDigits(text.data() + 5, month, 2);
    text[7] = '-';
    putDigits(text.data() + 8, day, 2);
    text[10] = 'T';
    const auto ms = static_cast<unsigned>(msOfDay);
    putDigits(text.data() + 11, ms / 3'600'000, 2);
    text[13] = ':';
    putDigits(text.data() + 14, ms / 60'000 % 60, 2);
    text[16] = ':';
    putDigits(text.data() + 17, ms / 1000 % 60, 2);
    text[19] = '.';
    putDigits(text.data() + 20, ms % 1000, 3);
    text[23] = 'Z';
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

bool parseTimestamp(const QByteArray &text, qint64 *msSinceEpoch)
{
    // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM); 't' and ' ' are accepted for 'T'.
    const char *p = text.constData();
    const qsizetype n = text.size();
    if (n < 20)
        return false;
    int year, month, day, hour, minute, second;
    if (!readDigits(p, 4, &year) || p[4] != '-' || !readDigits(p + 5, 2, &month) || p[7] != '-' ||
        !readDigits(p + 8, 2, &day) || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
        !readDigits(p + 11, 2, &hour) || p[13] != ':' || !readDigits(p + 14, 2, &minute) ||
        p[16] != ':' || !readDigits(p + 17, 2, &second))
        return false;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return false;
    static constexpr std::array<int, 12> daysInMonth{31, 29, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > daysInMonth[month - 1] || (month == 2 && day == 29 && !leap))
        return false;
    qsizetype i = 19;
    int millis = 0;
    if (i < n && p[i] == '.') {
        ++i;
        int digits = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            if (digits < 3)
                millis = millis * 10 + (p[i] - '0');
            ++digits;
            ++i;
        }
        if (digits == 0)
            return false;
        for (; digits < 3; ++digits)
            millis *= 10;
    }
    qint64 offsetMinutes = 0;
    if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
        ++i;
    } else if (i + 6 == n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
        int oh, om;
        if (!readDigits(p + i + 1, 2, &oh) || !readDigits(p + i + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        offsetMinutes = (p[i] == '+' ? 1 : -1) * (oh * 60 + om);
        i += 6;
    } else {
        return false;
    }
    if (i != n)
        return false;
    const qint64 days =
        daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    *msSinceEpoch = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60'000 +
                    qint64(second) * 1000 + millis;
    return true;
}

Notification notificationFor(const Event &event)
{
    return Notification{event.id, event.type, event.sourceId};
}

} // namespace dualscope::event
