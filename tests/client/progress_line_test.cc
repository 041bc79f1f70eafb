// Unit tests for the many-id commands' progress line (client/progress_line.h):
// its figures with injected times, and what reaches a terminal, read back
// through a pseudo-terminal: one line redrawn in place at most once an
// interval, ended by Finish; and whole lines when stderr is no terminal.
#include "progress_line.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kStart = absl::FromUnixSeconds(1796000000);

Progress Made(size_t done, size_t total, std::map<std::string, size_t> outcomes = {}) {
  Progress progress;
  progress.done = done;
  progress.total = total;
  progress.outcomes = std::move(outcomes);
  return progress;
}

// A ProgressLine whose output nobody reads: for Format's figures.
class FormatTest : public ::testing::Test {
 protected:
  FormatTest() : null_(open("/dev/null", O_WRONLY | O_CLOEXEC)), line_(null_, false) {}
  ~FormatTest() override { close(null_); }

  int null_;
  ProgressLine line_;
};

TEST_F(FormatTest, CountsRateAndTimeLeft) {
  line_.Update(Made(0, 5000), kStart);
  EXPECT_EQ(line_.Format(Made(1200, 5000, {{"unassigned", 1190}, {"still_assigned", 10}}),
                         kStart + absl::Seconds(3)),
            "1200/5000 ids \xC2\xB7 unassigned 1190 \xC2\xB7 still_assigned 10 "
            "\xC2\xB7 400 ids/s \xC2\xB7 10s left");
}

TEST_F(FormatTest, NoRateBeforeASecondNorBeforeTheFirstUpdate) {
  EXPECT_EQ(line_.Format(Made(10, 100), kStart), "10/100 ids");
  line_.Update(Made(0, 100), kStart);
  EXPECT_EQ(line_.Format(Made(10, 100), kStart + absl::Milliseconds(999)), "10/100 ids");
  EXPECT_EQ(line_.Format(Made(10, 100), kStart + absl::Seconds(1)),
            "10/100 ids \xC2\xB7 10 ids/s \xC2\xB7 9s left");
}

TEST_F(FormatTest, TimeLeftInMinutesAndHours) {
  line_.Update(Made(0, 1000000), kStart);
  // 2 ids a second: 80 ids take 40 s.
  EXPECT_THAT(line_.Format(Made(20, 180), kStart + absl::Seconds(10)),
              HasSubstr("2.0 ids/s \xC2\xB7 1m20s left"));
  EXPECT_THAT(line_.Format(Made(20, 160), kStart + absl::Seconds(10)),
              HasSubstr("1m10s left"));
  EXPECT_THAT(line_.Format(Made(100, 7300), kStart + absl::Seconds(100)),
              HasSubstr("1.0 ids/s \xC2\xB7 2h00m left"));
  EXPECT_THAT(line_.Format(Made(100, 7700), kStart + absl::Seconds(100)),
              HasSubstr("2h07m left"));
}

TEST_F(FormatTest, SlowRatesHaveATenthAndStalledRunsNoTimeLeft) {
  line_.Update(Made(0, 100), kStart);
  EXPECT_EQ(line_.Format(Made(3, 100), kStart + absl::Seconds(10)),
            "3/100 ids \xC2\xB7 0.3 ids/s \xC2\xB7 5m24s left");
  EXPECT_EQ(line_.Format(Made(0, 100), kStart + absl::Seconds(10)),
            "0/100 ids \xC2\xB7 0.0 ids/s");
  // A figure past a thousand hours means nothing: left out.
  EXPECT_THAT(line_.Format(Made(1, 100000000), kStart + absl::Seconds(100)),
              Not(HasSubstr("left")));
}

// A resumed run starts with the ids the last one finished: its rate counts
// only its own.
TEST_F(FormatTest, RateCountsFromTheFirstUpdate) {
  line_.Update(Made(4000, 5000), kStart);
  EXPECT_EQ(line_.Format(Made(4100, 5000), kStart + absl::Seconds(10)),
            "4100/5000 ids \xC2\xB7 10 ids/s \xC2\xB7 1m30s left");
}

TEST_F(FormatTest, DoneShowsNoTimeLeft) {
  line_.Update(Made(0, 10), kStart);
  EXPECT_EQ(line_.Format(Made(10, 10, {{"unassigned", 10}}), kStart + absl::Seconds(2)),
            "10/10 ids \xC2\xB7 unassigned 10 \xC2\xB7 5.0 ids/s");
}

TEST_F(FormatTest, OutcomesInTheirDeclaredOrderUnknownNamesLast) {
  EXPECT_EQ(line_.Format(Made(9, 9,
                              {{"zeta", 1},
                               {"failed", 2},
                               {"alpha", 3},
                               {"unassigned", 4},
                               {"still_assigned", 5},
                               {"unknown", 6}}),
                         kStart),
            "9/9 ids \xC2\xB7 unassigned 4 \xC2\xB7 still_assigned 5 \xC2\xB7 unknown 6 "
            "\xC2\xB7 failed 2 \xC2\xB7 alpha 3 \xC2\xB7 zeta 1");
}

TEST_F(FormatTest, NeverMoreThanOneLineOfAtMostTwoHundredCharacters) {
  std::map<std::string, size_t> outcomes;
  for (int i = 0; i < 100; ++i) outcomes[absl::StrCat("outcome\n\r\x1b", i)] = i;
  const std::string text = line_.Format(Made(1, 2, outcomes), kStart);
  EXPECT_THAT(text, Not(HasSubstr("\n")));
  EXPECT_THAT(text, Not(HasSubstr("\r")));
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
  // Characters, not bytes: each " · " is one character of two bytes.
  const size_t characters =
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; });
  EXPECT_EQ(characters, 200u);
  // Cut between characters: the last one is whole.
  EXPECT_NE(static_cast<unsigned char>(text.back()), 0xC2);
}

// A pseudo-terminal: the ProgressLine writes to its side of the terminal,
// the test reads what a terminal would receive from the other.
class TerminalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    struct winsize size = {};
    size.ws_row = 24;
    size.ws_col = 120;
    ASSERT_EQ(openpty(&master_, &terminal_, nullptr, nullptr, &size), 0);
    // Raw: the bytes written arrive as they are (no "\n" to "\r\n").
    struct termios mode;
    ASSERT_EQ(tcgetattr(terminal_, &mode), 0);
    cfmakeraw(&mode);
    ASSERT_EQ(tcsetattr(terminal_, TCSANOW, &mode), 0);
  }
  void TearDown() override {
    close(terminal_);
    close(master_);
  }

  // What reached the terminal, up to and with the first "\n" (which
  // Finish writes): a pty passes the bytes on asynchronously, so the test
  // reads until that end rather than once.
  std::string ReadUntilNewline() {
    std::string received;
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (!absl::StrContains(received, "\n") && absl::Now() < deadline) {
      struct pollfd readable = {master_, POLLIN, 0};
      if (poll(&readable, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = read(master_, buffer, sizeof buffer);
      if (n > 0) received.append(buffer, n);
    }
    return received;
  }

  int master_ = -1;
  int terminal_ = -1;
};

TEST_F(TerminalTest, RedrawsInPlaceAtMostOnceAnIntervalAndFinishEndsTheLine) {
  ProgressLine line(terminal_, true, absl::Milliseconds(250), absl::Seconds(10));
  // Updates every 50 ms for a second: one redraw each 250 ms, five in all
  // (at 0, 250, 500, 750 and 1000 ms).
  for (int ms = 0; ms <= 1000; ms += 50) {
    line.Update(Made(ms / 10, 100), kStart + absl::Milliseconds(ms));
  }
  line.Finish(Made(100, 100, {{"unassigned", 100}}), kStart + absl::Milliseconds(1010));
  const std::string received = ReadUntilNewline();

  const std::vector<std::string> draws =
      absl::StrSplit(received, '\r', absl::SkipEmpty());
  EXPECT_THAT(draws,
              ElementsAre("0/100 ids\x1b[K", "25/100 ids\x1b[K", "50/100 ids\x1b[K",
                          "75/100 ids\x1b[K", "100/100 ids \xC2\xB7 100 ids/s\x1b[K",
                          "100/100 ids \xC2\xB7 unassigned 100 \xC2\xB7 99 ids/s"
                          "\x1b[K\n"));
  EXPECT_EQ(received.front(), '\r');
}

TEST_F(TerminalTest, ALineIsCutToTheTerminalsWidth) {
  struct winsize size = {};
  size.ws_row = 24;
  size.ws_col = 30;
  ASSERT_EQ(ioctl(terminal_, TIOCSWINSZ, &size), 0);
  ProgressLine line(terminal_, true);
  line.Finish(Made(123456, 999999, {{"unassigned", 123000}, {"failed", 456}}), kStart);
  const std::string received = ReadUntilNewline();
  // 29 characters (one column kept free so the cursor never wraps).
  EXPECT_EQ(received, "\r123456/999999 ids \xC2\xB7 unassigne\x1b[K\n");
}

TEST_F(TerminalTest, PlainModeWritesWholeLinesOnceAnInterval) {
  ProgressLine line(terminal_, false, absl::Milliseconds(250), absl::Seconds(10));
  for (int s = 0; s <= 25; ++s) {
    line.Update(Made(s, 100), kStart + absl::Seconds(s));
  }
  line.Finish(Made(100, 100), kStart + absl::Seconds(26));
  std::string received;
  // Four lines: at 0, 10 and 20 s, and Finish's.
  while (std::count(received.begin(), received.end(), '\n') < 4) {
    const std::string more = ReadUntilNewline();
    if (more.empty()) break;
    received += more;
  }
  EXPECT_THAT(received, Not(HasSubstr("\r")));
  EXPECT_THAT(received, Not(HasSubstr("\x1b")));
  const std::vector<std::string> lines =
      absl::StrSplit(received, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "0/100 ids");
  EXPECT_THAT(lines[1], testing::StartsWith("10/100 ids \xC2\xB7 1.0 ids/s"));
  EXPECT_THAT(lines[2], testing::StartsWith("20/100 ids \xC2\xB7 1.0 ids/s"));
  EXPECT_EQ(lines[3], "100/100 ids \xC2\xB7 3.8 ids/s");
}

// A clock set back does not freeze the line until it catches up.
TEST_F(TerminalTest, AClockSetBackShowsAtOnce) {
  ProgressLine line(terminal_, false, absl::Milliseconds(250), absl::Seconds(10));
  line.Update(Made(1, 10), kStart);
  line.Update(Made(2, 10), kStart - absl::Hours(1));
  line.Update(Made(3, 10), kStart - absl::Hours(1) + absl::Seconds(1));
  line.Finish(Made(4, 10), kStart - absl::Hours(1) + absl::Seconds(2));
  std::string received;
  while (std::count(received.begin(), received.end(), '\n') < 3) {
    const std::string more = ReadUntilNewline();
    if (more.empty()) break;
    received += more;
  }
  EXPECT_THAT(absl::StrSplit(received, '\n', absl::SkipEmpty()),
              ElementsAre("1/10 ids", "2/10 ids", "4/10 ids"));
}

}  // namespace
}  // namespace gong::cli
