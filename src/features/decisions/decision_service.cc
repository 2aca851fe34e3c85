#include "features/decisions/decision_service.h"

#include <openssl/rand.h>

#include <algorithm>

#include "features/decisions/vote_tally.h"
#include "json/json_writer.h"
#include "observability/log.h"

namespace sb::features::decisions {

namespace {

std::string random_vote_id() {
  unsigned char bytes[12];
  RAND_bytes(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "vote_";
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

DecisionService::DecisionService(hub::Hub& hub, const transport::LoopGroup& loops, const auth::ChannelPolicy& policy,
                                 store::DecisionStore* store, uint32_t update_interval_ms)
    : hub_(hub),
      loops_(loops),
      policy_(policy),
      store_(store),
      update_interval_ms_(update_interval_ms),
      shards_(loops.size()) {}

DecisionService::~DecisionService() = default;

void DecisionService::load(int64_t now_ms) {
  if (store_ == nullptr) return;
  for (auto& d : store_->load(now_ms - kRetentionMs)) {
    size_t home = home_of(d.id);
    std::string id = d.id;
    Entry e;
    e.d = std::move(d);
    e.creating = false;
    shards_[home].decisions.emplace(std::move(id), std::move(e));
  }
}

void DecisionService::start() {
  for (size_t home = 0; home < shards_.size(); ++home) {
    std::vector<std::string> ids;
    for (const auto& [id, e] : shards_[home].decisions) ids.push_back(id);
    loops_.post(home, [this, home, ids = std::move(ids)] {
      for (const auto& id : ids) arm_deadline(home, id);
    });
  }
}

void DecisionService::at_home(const std::string& id, std::function<void(size_t, Shard&)> fn) {
  size_t home = home_of(id);
  loops_.post(home, [this, home, fn = std::move(fn)] { fn(home, shards_[home]); });
}

DecisionService::Entry* DecisionService::entry(size_t home, const std::string& id) {
  auto it = shards_[home].decisions.find(id);
  return it == shards_[home].decisions.end() ? nullptr : &it->second;
}

template <class Result>
void DecisionService::on_writer(size_t home, std::function<Result(store::DecisionStore&)> work,
                                std::function<void(Result)> then) {
  writer_.submit([this, home, work = std::move(work), then = std::move(then)]() mutable {
    // Without a store nothing is kept, but the answer still comes in order with the others.
    Result result = store_ != nullptr ? work(*store_) : Result{};
    loops_.post(home, [result = std::move(result), then = std::move(then)]() mutable { then(std::move(result)); });
  });
}

void DecisionService::write(size_t home, std::function<bool(store::DecisionStore&, std::string&)> write,
                            std::function<void(bool, std::string)> after) {
  struct Written {
    bool ok = true;
    std::string error;
  };
  on_writer<Written>(
      home,
      [write = std::move(write)](store::DecisionStore& s) {
        Written w;
        w.ok = write(s, w.error);
        return w;
      },
      [after = std::move(after)](Written w) { after(w.ok, std::move(w.error)); });
}

void DecisionService::with_entry(size_t home, const std::string& id, std::function<void(Entry*)> fn) {
  auto it = shards_[home].decisions.find(id);
  if (it != shards_[home].decisions.end()) {
    fn(it->second.creating ? nullptr : &it->second);
    return;
  }
  if (!shared()) {
    fn(nullptr);
    return;
  }
  refresh(home, id, std::move(fn));
}

void DecisionService::refresh(size_t home, const std::string& id, std::function<void(Entry*)> fn) {
  on_writer<std::optional<store::StoredDecision>>(
      home, [id](store::DecisionStore& st) {
        // Unreadable now: what this node holds of it stands (nothing when it holds none).
        std::string error;
        return st.find(id, error);
      },
      [this, home, id, fn = std::move(fn)](std::optional<store::StoredDecision> found) {
        Entry* e = entry(home, id);
        if (!found) {
          fn(e != nullptr && !e->creating ? e : nullptr);
          return;
        }
        if (e == nullptr) {
          // Opened through another node: this node follows it from now on.
          Entry fresh;
          fresh.d = std::move(*found);
          fresh.creating = false;
          bool closed = fresh.d.closed;
          e = &shards_[home].decisions.emplace(id, std::move(fresh)).first->second;
          if (closed) forget_later(home, id);
          else arm_deadline(home, id);
          fn(entry(home, id));
          return;
        }
        if (e->creating) {
          fn(nullptr);
          return;
        }
        if (found->revision != e->d.revision) {
          e->d.votes = std::move(found->votes);
          e->d.revision = found->revision;
          ++e->version;
        }
        // Closed by another node (which published the result); never reopened here.
        if (found->closed && !e->d.closed) forget_later(home, id);
        if (found->closed) {
          e->published_version = e->version;  // the closing node published the last tally
          e->d.closed = true;
          e->d.result = found->result;
          e->d.completed_at_ms = found->completed_at_ms;
        }
        fn(e);
      });
}

void DecisionService::forget_later(size_t home, const std::string& id) {
  loops_.loop(home).call_later(kRetentionMs, [this, home, id] { shards_[home].decisions.erase(id); });
}

void DecisionService::start_sweeping(uint32_t sweep_ms) {
  if (!shared()) return;
  loops_.post(0, [this, sweep_ms] { sweep(sweep_ms); });
}

void DecisionService::sweep(uint32_t sweep_ms) {
  on_writer<std::vector<std::string>>(
      0, [now = static_cast<int64_t>(loops_.loop(0).wall_ms())](store::DecisionStore& st) { return st.overdue(now); },
      [this, sweep_ms](std::vector<std::string> ids) {
        for (auto& id : ids) {
          at_home(id, [this, id](size_t home, Shard&) {
            with_entry(home, id, [this, home, id](Entry* e) {
              if (e != nullptr) arm_deadline(home, id);  // past its deadline: closes it
            });
          });
        }
        loops_.loop(0).call_later(sweep_ms, [this, sweep_ms] { sweep(sweep_ms); });
      });
}

void DecisionService::publish(size_t home, std::string channel, std::string type, std::string data) {
  auto p = std::make_shared<hub::Publication>();
  p->id = hub_.next_publication_id();
  p->channel = std::move(channel);
  p->event_type = std::move(type);
  p->data = std::move(data);
  p->time_ms = loops_.loop(home).wall_ms();
  p->published_mono_us = transport::EventLoop::monotonic_us();
  hub_.publish(p, home);
}

void DecisionService::open(size_t from, store::StoredDecision decision, std::function<void(int, std::string)> done) {
  std::string id = decision.id;
  at_home(id, [this, from, id, decision = std::move(decision), done = std::move(done)](size_t home,
                                                                                      Shard& shard) mutable {
    auto answer = [this, from, done](int status, std::string body) {
      loops_.post(from, [done, status, body = std::move(body)]() mutable { done(status, std::move(body)); });
    };
    if (shard.decisions.count(id) != 0) {
      answer(409, {});
      return;
    }
    Entry& e = shard.decisions[id];
    e.d = std::move(decision);
    e.d.created_at_ms = static_cast<int64_t>(loops_.loop(home).wall_ms());
    write(home,
          [d = e.d](store::DecisionStore& s, std::string& error) {
            switch (s.create(d, error)) {
              case store::DecisionStore::CreateResult::kCreated: return true;
              case store::DecisionStore::CreateResult::kExists: error = "exists"; return false;
              case store::DecisionStore::CreateResult::kFailed: return false;
            }
            return false;
          },
          [this, home, id, answer](bool ok, std::string error) {
            Entry* created = entry(home, id);
            if (created == nullptr) return;
            if (!ok) {
              // Known to the store only (closed and long gone from memory), or unwritable.
              shards_[home].decisions.erase(id);
              answer(error == "exists" ? 409 : 500, error == "exists" ? std::string() : error);
              return;
            }
            created->creating = false;
            arm_deadline(home, id);
            const store::StoredDecision& d = created->d;
            publish(home, channel_of(id), "decision.vote.update", update_data(d, tally(d)));
            if (!d.meeting_id.empty()) {
              // The meeting learns that a vote is open, and where to follow it.
              std::string data;
              json::ObjectWriter(data).string("decisionId", id).string("meetingId", d.meeting_id)
                  .string("channel", channel_of(id)).number("required", d.required)
                  .string("deadline", json::iso8601(static_cast<uint64_t>(d.deadline_ms))).end();
              publish(home, "meeting:" + d.meeting_id, "decision.opened", std::move(data));
            }
            answer(201, describe(d));
          });
  });
}

void DecisionService::arm_deadline(size_t home, const std::string& id) {
  Entry* e = entry(home, id);
  if (e == nullptr || e->d.closed) return;
  int64_t now = static_cast<int64_t>(loops_.loop(home).wall_ms());
  if (now >= e->d.deadline_ms) {
    close(home, *e);
    return;
  }
  // Long deadlines are re-armed on the way rather than trusting one long timer.
  auto delay = static_cast<uint32_t>(std::min<int64_t>(e->d.deadline_ms - now, 3600 * 1000));
  loops_.loop(home).call_later(delay, [this, home, id] { arm_deadline(home, id); });
}

void DecisionService::cast(size_t from, auth::IdentityPtr voter, std::string decision_id, store::VoteChoice choice,
                           std::string comment, std::function<void(CastOutcome)> done) {
  std::string id = decision_id;
  at_home(id, [this, from, id, voter = std::move(voter), choice, comment = std::move(comment),
               done = std::move(done)](size_t home, Shard&) mutable {
    auto answer = [this, from, done](CastOutcome outcome) {
      loops_.post(from, [done, outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
    };
    with_entry(home, id, [this, home, id, voter = std::move(voter), choice, comment = std::move(comment),
                          answer](Entry* e) mutable {
      CastOutcome outcome;
      if (e == nullptr) {
        outcome.status = CastStatus::kNotFound;
        answer(std::move(outcome));
        return;
      }
      uint64_t now = loops_.loop(home).wall_ms();
      if (!e->d.closed && static_cast<int64_t>(now) >= e->d.deadline_ms) close(home, *e);  // a late timer
      if (e->d.closed) {
        outcome.status = CastStatus::kClosed;
        answer(std::move(outcome));
        return;
      }
      if (!may_vote(e->d, *voter, policy_)) {
        outcome.status = CastStatus::kNotEligible;
        answer(std::move(outcome));
        return;
      }
      if (shared()) {
        cast_shared(home, *e, std::move(voter), choice, std::move(comment), std::move(answer));
        return;
      }
      auto previous = std::find_if(e->d.votes.begin(), e->d.votes.end(),
                                   [&](const store::StoredVote& v) { return v.user_id == voter->user_id; });
      store::StoredVote vote;
      vote.user_id = voter->user_id;
      vote.choice = choice;
      vote.comment = std::move(comment);
      vote.cast_at_ms = static_cast<int64_t>(now);
      outcome.changed = previous != e->d.votes.end();
      if (outcome.changed) {
        vote.vote_id = previous->vote_id;  // one vote per user: a change keeps its id
        *previous = vote;
      } else {
        vote.vote_id = random_vote_id();
        e->d.votes.push_back(vote);
      }
      ++e->version;
      outcome.vote_id = vote.vote_id;
      outcome.at_ms = now;
      bool complete = is_complete(e->d, tally(e->d));
      write(home,
            [id, vote](store::DecisionStore& s, std::string& error) mutable {
              return s.record_vote(id, vote, nullptr, error) == store::DecisionStore::VoteResult::kRecorded;
            },
            [this, home, id, outcome, answer](bool ok, std::string error) mutable {
              if (!ok) {
                log::error("decision.vote_write_failed", {{"decision", id}, {"error", error}});
                outcome.status = CastStatus::kFailed;
                outcome.error = error;
                answer(std::move(outcome));
                return;
              }
              outcome.status = CastStatus::kRecorded;
              answer(std::move(outcome));
              request_update(home, id);
            });
      if (complete) close(home, *e);
    });
  });
}

void DecisionService::cast_shared(size_t home, Entry& e, auth::IdentityPtr voter, store::VoteChoice choice,
                                  std::string comment, std::function<void(CastOutcome)> answer) {
  // The store applies the vote (or refuses it once closed) and answers with every vote in;
  // memory follows it.
  store::StoredVote vote;
  vote.user_id = voter->user_id;
  vote.choice = choice;
  vote.comment = std::move(comment);
  vote.cast_at_ms = static_cast<int64_t>(loops_.loop(home).wall_ms());
  vote.vote_id = random_vote_id();
  struct Written {
    store::DecisionStore::VoteResult result = store::DecisionStore::VoteResult::kFailed;
    store::StoredVote vote;
    store::StoredDecision after;
    std::string error;
  };
  std::string id = e.d.id;
  on_writer<Written>(
      home,
      [id, vote](store::DecisionStore& st) {
        Written w;
        w.vote = vote;
        w.result = st.record_vote(id, w.vote, &w.after, w.error);
        return w;
      },
      [this, home, id, proposed = vote.vote_id, answer = std::move(answer)](Written w) {
        CastOutcome outcome;
        switch (w.result) {
          case store::DecisionStore::VoteResult::kRecorded: break;
          case store::DecisionStore::VoteResult::kClosed:
            outcome.status = CastStatus::kClosed;
            refresh(home, id, [](Entry*) {});
            answer(std::move(outcome));
            return;
          case store::DecisionStore::VoteResult::kNotFound:
            outcome.status = CastStatus::kNotFound;
            answer(std::move(outcome));
            return;
          case store::DecisionStore::VoteResult::kFailed:
            log::error("decision.vote_write_failed", {{"decision", id}, {"error", w.error}});
            outcome.status = CastStatus::kFailed;
            outcome.error = w.error;
            answer(std::move(outcome));
            return;
        }
        outcome.status = CastStatus::kRecorded;
        outcome.vote_id = w.vote.vote_id;
        outcome.changed = w.vote.vote_id != proposed;  // the store kept the user's earlier vote id
        outcome.at_ms = static_cast<uint64_t>(w.vote.cast_at_ms);
        answer(std::move(outcome));
        Entry* current = entry(home, id);
        if (current == nullptr) return;
        if (w.after.revision > current->d.revision) {
          current->d.votes = std::move(w.after.votes);
          current->d.revision = w.after.revision;
        }
        ++current->version;
        // The vote that completes it goes out with the result (the closing tally first).
        if (!current->d.closed && is_complete(current->d, tally(current->d))) close(home, *current);
        else request_update(home, id);
      });
}

void DecisionService::request_update(size_t home, const std::string& id) {
  Entry* e = entry(home, id);
  // A closed decision's last tally goes out with its result.
  if (e == nullptr || e->d.closed || e->update_timer || e->version == e->published_version) return;
  uint64_t now = loops_.loop(home).now_ms();
  if (e->last_update_ms == 0 || now >= e->last_update_ms + update_interval_ms_) {
    publish_update(home, *e);
    return;
  }
  e->update_timer = true;
  loops_.loop(home).call_later(static_cast<uint32_t>(e->last_update_ms + update_interval_ms_ - now), [this, home, id] {
    auto due = [this, home, id](Entry* fresh) {
      if (fresh == nullptr) return;
      fresh->update_timer = false;
      request_update(home, id);
    };
    // A shared store may hold votes from other nodes since: the update shows them too.
    if (shared()) refresh(home, id, due);
    else due(entry(home, id));
  });
}

void DecisionService::publish_update(size_t home, Entry& e) {
  e.published_version = e.version;
  e.last_update_ms = loops_.loop(home).now_ms();
  publish(home, channel_of(e.d.id), "decision.vote.update", update_data(e.d, tally(e.d)));
}

void DecisionService::close(size_t home, Entry& e) {
  if (e.d.closed) return;
  VoteSummary s = tally(e.d);
  e.d.closed = true;
  e.d.result = std::string(result_of(s));
  e.d.completed_at_ms = static_cast<int64_t>(loops_.loop(home).wall_ms());
  std::string id = e.d.id;
  struct Closing {
    store::DecisionStore::CloseResult result = store::DecisionStore::CloseResult::kClosed;
    std::string error;
  };
  auto written = [this, home, id](Closing c) {
    Entry* closed = entry(home, id);
    if (closed == nullptr) return;
    switch (c.result) {
      case store::DecisionStore::CloseResult::kStale:
        // Votes came in through another node: count them all and try again.
        closed->d.closed = false;
        refresh(home, id, [this, home](Entry* fresh) {
          if (fresh != nullptr) close(home, *fresh);
        });
        return;
      case store::DecisionStore::CloseResult::kAlreadyClosed:
        // Another node closed it and published the result: take its result, publish nothing.
        refresh(home, id, [](Entry*) {});
        forget_later(home, id);
        return;
      case store::DecisionStore::CloseResult::kFailed:
        log::error("decision.close_write_failed", {{"decision", id}, {"error", c.error}});
        break;
      case store::DecisionStore::CloseResult::kClosed: break;
    }
    // Written after every vote it counts (one writer, in order): the last tally first,
    // then the result.
    if (closed->version != closed->published_version) publish_update(home, *closed);
    publish(home, channel_of(id), "decision.result", result_data(closed->d, tally(closed->d)));
    log::info("decision.closed", {{"decision", id}, {"result", closed->d.result}});
    forget_later(home, id);
  };
  on_writer<Closing>(home,
                     [id, result = e.d.result, at = e.d.completed_at_ms, revision = e.d.revision](
                         store::DecisionStore& st) {
                       Closing c;
                       c.result = st.close(id, result, at, revision, c.error);
                       return c;
                     },
                     std::move(written));
}

void DecisionService::snapshot(size_t from, std::string decision_id,
                               std::function<void(std::string, std::string)> done) {
  std::string id = decision_id;
  at_home(id, [this, from, id, done = std::move(done)](size_t home, Shard&) mutable {
    // With a shared store, the tally as the store has it now (votes through other nodes).
    if (shared()) {
      refresh(home, id, [this, from, done = std::move(done)](Entry* known) mutable { answer_snapshot(from, known, std::move(done)); });
      return;
    }
    answer_snapshot(from, entry(home, id), std::move(done));
  });
}

void DecisionService::answer_snapshot(size_t from, Entry* known, std::function<void(std::string, std::string)> done) {
  std::string type, data;
  if (known != nullptr && !known->creating) {
    VoteSummary s = tally(known->d);
    bool final = known->d.closed && known->version == known->published_version;
    type = final ? "decision.result" : "decision.vote.update";
    data = final ? result_data(known->d, s) : update_data(known->d, s);
  }
  loops_.post(from, [done = std::move(done), type = std::move(type), data = std::move(data)]() mutable {
    done(std::move(type), std::move(data));
  });
}

void DecisionService::find(size_t from, std::string decision_id, std::function<void(int, std::string)> done) {
  std::string id = decision_id;
  at_home(id, [this, from, id, done = std::move(done)](size_t home, Shard&) mutable {
    Entry* e = entry(home, id);
    // A shared store has votes from other nodes that memory may not have seen yet.
    if (e != nullptr && !e->creating && !shared()) {
      loops_.post(from, [done = std::move(done), body = describe(e->d)]() mutable { done(200, std::move(body)); });
      return;
    }
    if (store_ == nullptr) {
      loops_.post(from, [done = std::move(done)] { done(404, {}); });
      return;
    }
    // Closed long ago (only the store remembers it), or kept by a shared store.
    writer_.submit([this, from, id, done = std::move(done)]() mutable {
      std::string error;
      auto found = store_->find(id, error);
      std::string body = found ? describe(*found) : std::string();
      int status = found ? 200 : error.empty() ? 404 : 503;
      loops_.post(from, [done = std::move(done), status, body = std::move(body)]() mutable {
        done(status, std::move(body));
      });
    });
  });
}

}  // namespace sb::features::decisions
