// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QRegularExpression>

namespace dualscope::redis {

// A PSUBSCRIBE pattern as Redis matches it (stringmatchlen): '*' any run, '?' one
// character, '[...]' a set with '^' and ranges, '\\' escapes. Written here because
// Qt 6.4's wildcardToRegularExpression keeps '*' from crossing '/', which Redis
// channel names (events:repo:owner/repo) do. Compiled once; any thread.
class ChannelGlob
{
public:
    explicit ChannelGlob(const QByteArray &pattern);

    bool matches(QByteArrayView channel) const;
    const QByteArray &pattern() const { return m_pattern; }

private:
    QByteArray m_pattern;
    QRegularExpression m_regex;
};

// What one subscription of a view receives: a pattern's channels, or one channel.
class SubscriptionMatcher
{
public:
    SubscriptionMatcher(const QByteArray &name, bool isPattern);

    bool matches(QByteArrayView channel) const
    {
        return m_isPattern ? m_glob.matches(channel) : channel == m_glob.pattern();
    }

private:
    ChannelGlob m_glob;
    bool m_isPattern;
};

} // namespace dualscope::redis
