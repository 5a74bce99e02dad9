using static LlmLab.Data.DialogueVocabulary;

namespace LlmLab.Data;

/// <summary>
/// Synthetic DialogSum-like data: two-person dialogues from scenario templates (booking, shopping, returns,
/// scheduling, doctor visits, directions, borrowing, interviews, travel plans) with slots (names, days, times,
/// places, amounts, items) and several phrasings per turn, each with a one-sentence summary built from the same
/// slot values, so the summary is learnable from the dialogue. Example i is a pure function of (seed, i).
/// </summary>
public static class DialogueSummaryGenerator
{
    private delegate string Scenario(DataRandom r, Turns t);

    private static readonly (string Topic, Scenario Core)[] Scenarios =
    [
        ("booking a table", RestaurantBooking),
        ("hotel reservation", HotelBooking),
        ("buying tickets", TrainTickets),
        ("shopping", Shopping),
        ("returning an item", Returning),
        ("scheduling a meeting", Meeting),
        ("doctor's appointment", DoctorAppointment),
        ("asking directions", Directions),
        ("borrowing", Borrowing),
        ("job interview", JobInterview),
        ("travel plans", TravelPlans),
    ];

    /// <summary>The scenario topics, in a fixed order.</summary>
    public static IReadOnlyList<string> Topics { get; } = Scenarios.Select(s => s.Topic).ToArray();

    /// <summary>Examples start, start + 1, ..., start + count - 1 of the data set for this seed.</summary>
    public static IEnumerable<DialogueExample> Generate(ulong seed, int count, long start = 0)
    {
        for (long i = start; i < start + count; i++) yield return Example(seed, i);
    }

    /// <summary>Example index of the data set for this seed (independent of how many others are generated).</summary>
    public static DialogueExample Example(ulong seed, long index) =>
        Create(seed, index, DataRandom.DialogueStream, $"dialogue-{seed}-{index}");

    /// <summary>An example from another stream (the pre-training corpus uses its own, so it never repeats the
    /// fine-tuning examples draw for draw).</summary>
    internal static DialogueExample Create(ulong seed, long index, uint stream, string id)
    {
        var r = new DataRandom(seed, (ulong)index, stream);
        var (topic, core) = Scenarios[r.Next(Scenarios.Length)];
        var t = new Turns();
        bool opening = r.Chance(0.4), closing = r.Chance(0.5);
        if (opening)
        {
            t.A(r.Pick("Hello.", "Hi there.", "Good morning.", "Good afternoon.", "Excuse me, have you got a minute?"));
            t.B(r.Pick("Hello. How can I help you?", "Hi. What can I do for you?", "Yes, of course. What is it?", "Good day. Go ahead."));
        }
        string summary = core(r, t);
        if (closing && t.LastIsB)
        {
            t.A(r.Pick("Thanks a lot.", "Thank you very much.", "Great, thanks for your help.", "OK, thank you."));
            t.B(r.Pick("You're welcome.", "My pleasure.", "No problem at all.", "Any time. Goodbye."));
        }
        else if (closing)
        {
            t.B(r.Pick("All right then.", "OK, good luck.", "Fine. See you."));
            t.A(r.Pick("Thanks, bye.", "Thank you. Bye.", "Bye for now."));
        }
        return new DialogueExample(id, string.Join("\n", t.Lines), summary, topic);
    }

    /// <summary>Alternating turns: A is #Person1#, B is #Person2#.</summary>
    private sealed class Turns
    {
        public List<string> Lines { get; } = [];
        public void A(string text) => Lines.Add("#Person1#: " + text);
        public void B(string text) => Lines.Add("#Person2#: " + text);
        public bool LastIsB => Lines[^1].StartsWith("#Person2#", StringComparison.Ordinal);
    }

    private static string Dollars(int amount) => "$" + amount;


    /// <summary>Two different times (hours in [fromHour, toHour], on the hour or half past).</summary>
    private static (string First, string Second) TwoTimes(DataRandom r, int fromHour, int toHour)
    {
        int slots = (toHour - fromHour + 1) * 2;
        int a = r.Next(slots), b = (a + 1 + r.Next(slots - 1)) % slots;
        return (SlotTime(fromHour, a), SlotTime(fromHour, b));
    }

    private static string SlotTime(int fromHour, int slot) => Time(fromHour + slot / 2, slot % 2 * 30);

    private static string RestaurantBooking(DataRandom r, Turns t)
    {
        string place = r.Pick(Restaurants), n = r.Pick(SmallNumbers), day = r.Pick(Days), name = r.Pick(Names);
        var (time, other) = TwoTimes(r, 12, 21);
        t.A(r.Pick($"I'd like to book a table at {place} for {n} people, please.",
            $"Can I reserve a table for {n} at {place}?",
            $"I want to make a reservation at {place}, a table for {n}."));
        t.B(r.Pick("Certainly. For which day and time?", "Of course. When would you like to come?", "Sure. What day and what time?"));
        t.A(r.Pick($"{day} at {time}, if possible.", $"This {day}, around {time}.", $"How about {day} at {time}?"));
        if (r.Chance(0.5))
        {
            t.B(r.Pick($"That's fine, {day} at {time} is free. May I have your name?",
                "No problem, we have a table for you then. Could I have your name, please?"));
            t.A(r.Pick($"It's {name}.", $"My name is {name}.", $"Please put it under {name}."));
            t.B(r.Pick($"Thank you, {name}. See you on {day}.", $"Great, your table is booked, {name}."));
            return r.Pick($"#Person1# books a table for {n} at {place} on {day} at {time} under the name {name}.",
                $"#Person1# reserves a table for {n} people at {place} for {time} on {day}, under {name}.");
        }
        t.B(r.Pick($"I'm sorry, we're fully booked at {time}. Would {other} be all right?",
            $"Unfortunately {time} is taken, but we have a table at {other}."));
        if (r.Chance(0.6))
        {
            t.A(r.Pick($"{other} is fine. The name is {name}.", $"OK, {other} then. It's under {name}."));
            t.B(r.Pick($"Perfect, a table for {n} at {other} on {day}, under {name}.", $"Done. See you on {day}, {name}."));
            return r.Pick($"#Person1# wants to book a table for {n} at {place} on {day} at {time}, but #Person2# offers {other} instead, which #Person1# accepts.",
                $"#Person1# books a table for {n} at {place} on {day} under {name}; {time} is full, so they take {other}.");
        }
        t.A(r.Pick($"{other} doesn't work for us, sorry. We'll try another day.", $"No, {other} is no good. Never mind."));
        t.B(r.Pick("I understand. Sorry we couldn't help.", "All right. Maybe next time."));
        return r.Pick($"#Person1# wants a table for {n} at {place} on {day} at {time}, but it is fully booked and #Person1# turns down {other}.",
            $"#Person1# cannot get a table at {place} at {time} on {day} and does not accept the {other} slot #Person2# offers.");
    }

    private static string HotelBooking(DataRandom r, Turns t)
    {
        string hotel = r.Pick(Hotels), nights = r.Pick(SmallNumbers), day = r.Pick(Days);
        string room = r.Pick("double", "twin", "family", "deluxe");
        int price = 5 * r.Between(16, 50), cheaper = 5 * r.Between(10, 15);
        t.A(r.Pick($"I'd like to book a {room} room at {hotel} for {nights} nights.",
            $"Do you have a {room} room free at {hotel}? I need it for {nights} nights.",
            $"Hello, is this {hotel}? I'm looking for a {room} room for {nights} nights."));
        t.B(r.Pick("Certainly. When will you be arriving?", "Let me check. What date do you arrive?", "Yes, we do. From which day?"));
        t.A(r.Pick($"From {day}.", $"I'll arrive on {day}.", $"On {day}, in the afternoon."));
        t.B(r.Pick($"A {room} room is {Dollars(price)} a night, breakfast included.", $"That would be {Dollars(price)} per night for the {room} room."));
        if (r.Chance(0.6))
        {
            t.A(r.Pick("That's fine, please book it.", "Good, I'll take it.", "OK, go ahead with the booking."));
            t.B(r.Pick($"Done. Your room is booked from {day}.", "All set. We look forward to seeing you."));
            return r.Pick($"#Person1# books a {room} room at {hotel} for {nights} nights from {day} at {Dollars(price)} a night.",
                $"#Person2# reserves a {room} room for #Person1# for {nights} nights from {day}, at {Dollars(price)} a night.");
        }
        t.A(r.Pick("That's a bit expensive. Do you have anything cheaper?", "Hmm, is there a cheaper room?"));
        t.B(r.Pick($"We have a single room for {Dollars(cheaper)} a night. Shall I book that?", $"A single room is only {Dollars(cheaper)} per night. Would that suit you?"));
        return r.Pick($"#Person1# finds the {room} room too expensive for {nights} nights from {day}, so #Person2# offers a single room at {Dollars(cheaper)} a night.",
            $"#Person1# wants a {room} room at {hotel} from {day}, but at {Dollars(price)} a night it is too expensive and #Person2# suggests a {Dollars(cheaper)} single room.");
    }

    private static string TrainTickets(DataRandom r, Turns t)
    {
        string city = r.Pick(Cities), day = r.Pick(Days);
        int k = r.Between(0, 2);
        string count = SmallNumbers[k], ticketWord = "tickets";
        var (first, second) = TwoTimes(r, 6, 20);
        int total = (k + 2) * r.Between(12, 90);
        t.A(r.Pick($"I need {count} {ticketWord} to {city} for {day}, please.",
            $"Can I get {count} train tickets to {city}? We're travelling on {day}.",
            $"{Phrase.Capitalized(count)} tickets to {city} on {day}, please."));
        t.B(r.Pick($"There's a train at {first} and another at {second}.", $"You can take the {first} or the {second} train."));
        string chosen = r.Chance(0.5) ? first : second;
        t.A(r.Pick($"The {chosen} one, please. How much is that?", $"I'll take the {chosen} train. What's the price?"));
        t.B(r.Pick($"That's {Dollars(total)} altogether.", $"{Phrase.Capitalized(count)} tickets come to {Dollars(total)}."));
        if (r.Chance(0.5))
        {
            t.A(r.Pick("Can I pay by card?", "Do you take credit cards?"));
            t.B(r.Pick("Yes, of course.", "Sure, just insert your card here."));
        }
        return r.Pick($"#Person1# buys {count} train tickets to {city} for the {chosen} train on {day}, which cost {Dollars(total)}.",
            $"#Person1# gets {count} tickets to {city} on {day}, takes the {chosen} train and pays {Dollars(total)}.");
    }

    private static string Shopping(DataRandom r, Turns t)
    {
        var (item, min, max) = r.Pick(ShopItems);
        string color = r.Pick(Colors);
        int price = r.Between(min, max);
        t.A(r.Pick($"Excuse me, do you have this {item} in {color}?", $"I'm looking for a {color} {item}.",
            $"Hi, have you got a {item} like this one in {color}?"));
        t.B(r.Pick($"Yes, we have one in {color} right here.", $"Let me see. Yes, here's a {color} one.", $"We do. This {color} one is very popular."));
        t.A(r.Pick("How much is it?", "What does it cost?", "And the price?"));
        t.B(r.Pick($"It's {Dollars(price)}.", $"This one is {Dollars(price)}.", $"It's on sale for {Dollars(price)}."));
        if (r.Chance(0.6))
        {
            t.A(r.Pick("Great, I'll take it.", "That's reasonable. I'll buy it.", "Fine, I'll have it."));
            t.B(r.Pick("Would you like a bag?", "Cash or card?", "I'll wrap it for you."));
            return r.Pick($"#Person1# buys a {color} {item} for {Dollars(price)}.",
                $"#Person1# asks for a {item} in {color} and buys it from #Person2# for {Dollars(price)}.");
        }
        t.A(r.Pick($"{Dollars(price)}? That's too expensive for me.", "Hmm, that's more than I wanted to spend. I'll leave it."));
        t.B(r.Pick("I understand. Let me know if you change your mind.", "No problem. Feel free to look around."));
        return r.Pick($"#Person1# wants a {color} {item} but thinks {Dollars(price)} is too expensive and doesn't buy it.",
            $"#Person1# asks about a {color} {item}, but at {Dollars(price)} it is too expensive for #Person1#.");
    }

    private static string Returning(DataRandom r, Turns t)
    {
        var (item, min, max) = r.Pick(ShopItems);
        string day = r.Pick(Days), problem = r.Pick(Problems);
        int price = r.Between(min, max);
        t.A(r.Pick($"I'd like to return this {item}. I bought it here on {day}.", $"Hello, I bought this {item} on {day} and I want to return it."));
        t.B(r.Pick("What's wrong with it?", "I see. What seems to be the problem?", "Sure. May I ask why?"));
        t.A(r.Pick($"Well, {problem}.", $"The thing is, {problem}.", $"Unfortunately {problem}."));
        t.B(r.Pick("Do you have the receipt?", "Have you got your receipt with you?"));
        if (r.Chance(0.6))
        {
            t.A(r.Pick($"Yes, here it is. I paid {Dollars(price)}.", $"Here you are. It was {Dollars(price)}."));
            t.B(r.Pick($"OK, here is your refund of {Dollars(price)}.", $"Fine, I'll give you your {Dollars(price)} back."));
            return r.Pick($"#Person1# returns a {item} bought on {day} because {problem}, and #Person2# refunds {Dollars(price)}.",
                $"Because {problem}, #Person1# brings back the {item} bought on {day} and gets a {Dollars(price)} refund.");
        }
        t.A(r.Pick("I'm afraid I lost it.", "No, I threw it away, sorry."));
        t.B(r.Pick($"Then I can't refund it, but I can exchange the {item} for you.", $"Without a receipt I can only exchange the {item}."));
        return r.Pick($"#Person1# wants to return a {item} bought on {day} because {problem}, but has no receipt, so #Person2# offers an exchange.",
            $"#Person1# has no receipt for the {item} bought on {day}, so #Person2# can only exchange it, not refund it.");
    }

    private static string Meeting(DataRandom r, Turns t)
    {
        string topic = r.Pick(MeetingTopics), colleague = r.Pick(Names);
        var days = r.PickDistinct(Days, 2);
        var (time, _) = TwoTimes(r, 9, 16);
        t.A(r.Pick($"Can we meet on {days[0]} to talk about {topic}?", $"We need to discuss {topic}. Are you free on {days[0]}?",
            $"I'd like to set up a meeting about {topic} on {days[0]}."));
        bool moved = r.Chance(0.5);
        string day = moved ? days[1] : days[0];
        if (moved) t.B(r.Pick($"Sorry, I'm busy on {days[0]}. What about {days[1]}?", $"{days[0]} is difficult for me. Could we do {days[1]}?"));
        else t.B(r.Pick($"{days[0]} is fine. What time?", $"Yes, {days[0]} works for me. When?"));
        t.A(r.Pick($"{day} at {time} then?", $"How about {time} on {day}?", $"Let's say {time}, {day}."));
        t.B(r.Pick($"{time} is good. Should we invite {colleague} too?", $"Perfect. Let's ask {colleague} to join us."));
        t.A(r.Pick($"Yes, I'll tell {colleague}.", $"Good idea, {colleague} knows a lot about it."));
        return moved
            ? r.Pick($"#Person1# wants to meet on {days[0]} about {topic}, but #Person2# is busy, so they meet on {day} at {time} with {colleague}.",
                $"#Person1# and #Person2# move their meeting about {topic} from {days[0]} to {day} at {time} and invite {colleague}.")
            : r.Pick($"#Person1# and #Person2# agree to meet on {day} at {time} to discuss {topic} and invite {colleague}.",
                $"#Person1# sets up a meeting with #Person2# and {colleague} about {topic} on {day} at {time}.");
    }

    private static string DoctorAppointment(DataRandom r, Turns t)
    {
        string doctor = r.Pick(Surnames), symptom = r.Pick(Symptoms), days = r.Pick(SmallNumbers), day = r.Pick(Days), name = r.Pick(Names);
        var (time, _) = TwoTimes(r, 8, 17);
        t.A(r.Pick($"I'd like to make an appointment with Doctor {doctor}.", $"Could I see Doctor {doctor} this week, please?"));
        t.B(r.Pick("Of course. What's the problem?", "Certainly. What are your symptoms?", "Sure. What seems to be wrong?"));
        t.A(r.Pick($"I've had {symptom} for {days} days.", $"I've been suffering from {symptom} for {days} days now."));
        t.B(r.Pick($"Doctor {doctor} can see you on {day} at {time}.", $"There's a free slot with Doctor {doctor} at {time} on {day}."));
        t.A(r.Pick($"That's fine. My name is {name}.", $"Great. It's {name}, by the way.", $"{day} at {time} is OK. The name is {name}."));
        t.B(r.Pick($"Thank you, {name}. Please come ten minutes early.", $"You're booked in, {name}."));
        return r.Pick($"{name} has had {symptom} for {days} days and makes an appointment with Doctor {doctor} on {day} at {time}.",
            $"#Person1#, {name}, books an appointment with Doctor {doctor} for {time} on {day} because of {symptom}.");
    }

    private static string Directions(DataRandom r, Turns t)
    {
        string place = r.Pick(Landmarks), street = r.Pick(Streets), turn = r.Pick("left", "right");
        int minutes = 5 * r.Between(1, 6), bus = r.Between(3, 99);
        t.A(r.Pick($"Excuse me, how do I get to {place}?", $"Sorry to bother you. Where is {place}?", $"Could you tell me the way to {place}?"));
        t.B(r.Pick($"Go straight down {street} and turn {turn} at the traffic lights.", $"Walk along {street}, then turn {turn} at the lights."));
        t.A(r.Pick("Is it far?", "How long does it take?", "Can I walk there?"));
        if (minutes <= 15)
        {
            t.B(r.Pick($"Not far, only about {minutes} minutes on foot.", $"It takes about {minutes} minutes to walk there."));
            return r.Pick($"#Person2# tells #Person1# to go down {street} and turn {turn} to reach {place}, about {minutes} minutes on foot.",
                $"#Person1# asks the way to {place}; it is a {minutes} minute walk down {street}, turning {turn} at the lights.");
        }
        t.B(r.Pick($"It's about {minutes} minutes on foot. You'd better take bus number {bus}.", $"Quite far, {minutes} minutes. Take the number {bus} bus."));
        t.A(r.Pick($"Thanks, I'll take the {bus}.", "OK, I'll take the bus then."));
        return r.Pick($"#Person1# asks the way to {place}; #Person2# says to go down {street} and turn {turn}, or to take bus number {bus} because it is {minutes} minutes on foot.",
            $"#Person2# explains that {place} is {minutes} minutes away via {street} and suggests bus number {bus}.");
    }

    private static string Borrowing(DataRandom r, Turns t)
    {
        string name = r.Pick(Names), day = r.Pick(Days);
        if (r.Chance(0.3))
        {
            string purpose = r.Pick(MoneyReasons);
            int amount = 10 * r.Between(2, 30);
            t.A(r.Pick($"{name}, could you lend me {Dollars(amount)}?", $"{name}, I'm a bit short this week. Can I borrow {Dollars(amount)}?"));
            t.B(r.Pick("What do you need it for?", "Sure, but what's it for?"));
            t.A(r.Pick($"I need to {purpose}. I'll pay you back on {day}.", $"To {purpose}. You'll have it back on {day}, I promise."));
            t.B(r.Pick($"All right, here's {Dollars(amount)}. {day} then.", $"OK. Here you are, but I need it by {day}."));
            return r.Pick($"#Person1# borrows {Dollars(amount)} from {name} to {purpose} and will pay it back on {day}.",
                $"{name} lends #Person1# {Dollars(amount)} until {day} so that #Person1# can {purpose}.");
        }
        var (item, reason) = r.Pick(BorrowItems);
        string other = r.Pick(Names.Where(n => n != name).ToArray());
        t.A(r.Pick($"{name}, could I borrow your {item} until {day}?", $"Hi {name}. Can I use your {item}? I'll give it back on {day}."));
        t.B(r.Pick("What do you need it for?", "Maybe. What for?"));
        t.A(r.Pick($"I have to {reason}.", $"I want to {reason}."));
        if (r.Chance(0.6))
        {
            t.B(r.Pick($"Sure, but please bring it back by {day}.", $"OK, take it. Just return it on {day}."));
            return r.Pick($"{name} lends #Person1# the {item} until {day} so #Person1# can {reason}.",
                $"#Person1# borrows {name}'s {item} to {reason} and promises to return it on {day}.");
        }
        t.B(r.Pick($"Sorry, I need it myself this week. Ask {other}, maybe.", $"I'm afraid I'm using it. {other} has one, though."));
        return r.Pick($"#Person1# asks to borrow {name}'s {item} to {reason}, but {name} needs it and suggests asking {other}.",
            $"{name} can't lend #Person1# the {item} until {day} and suggests {other} instead.");
    }

    private static string JobInterview(DataRandom r, Turns t)
    {
        string position = r.Pick(Positions), company = r.Pick(Companies), years = r.Pick(SmallNumbers), previous = r.Pick(Companies.Where(c => c != company).ToArray());
        int salary = 1000 * r.Between(30, 95);
        string pay = "$" + salary.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        t.A(r.Pick($"Thanks for coming in. Why do you want to work as {Phrase.WithArticle(position)} at {company}?", $"So, you're applying for the {position} job at {company}. Why?"));
        t.B(r.Pick($"I've always admired {company}, and I enjoy this kind of work.", $"{company} has a great reputation and I want to grow as {Phrase.WithArticle(position)}."));
        t.A(r.Pick("How much experience do you have?", "Tell me about your experience.", "What about your experience?"));
        t.B(r.Pick($"I worked at {previous} for {years} years.", $"{Phrase.Capitalized(years)} years, all of them at {previous}."));
        t.A(r.Pick("And what salary do you expect?", "What are your salary expectations?"));
        t.B(r.Pick($"About {pay} a year.", $"I'm hoping for {pay} a year."));
        return r.Pick($"#Person1# interviews #Person2# for the {position} job at {company}; #Person2# worked at {previous} for {years} years and expects {pay} a year.",
            $"#Person2#, who has {years} years of experience at {previous}, applies to be {Phrase.WithArticle(position)} at {company} and asks for {pay} a year.");
    }

    private static string TravelPlans(DataRandom r, Turns t)
    {
        string city = r.Pick(Cities), friend = r.Pick(Names), length = r.Pick(SmallNumbers), day = r.Pick(Days), activity = r.Pick(Activities);
        var (how, howSummary) = r.Pick(new[] { ("flying", "flying"), ("taking the train", "by train"), ("driving", "driving") });
        t.A(r.Pick("What are you doing for the holidays?", "Any plans for your time off?", "Are you going anywhere this summer?"));
        t.B(r.Pick($"I'm going to {city} with {friend} for {length} days.", $"{friend} and I are spending {length} days in {city}."));
        t.A(r.Pick("How are you getting there?", "Are you flying?", "How will you travel?"));
        t.B(r.Pick($"We're {how}, leaving on {day}.", $"{Phrase.Capitalized(how)}. We leave on {day}."));
        if (r.Chance(0.7))
        {
            t.A(r.Pick("What will you do there?", "What are your plans there?", "Sounds fun. What will you do?"));
            t.B(r.Pick($"I think we'll {activity}.", $"We want to {activity}.", $"I really want to {activity}."));
        }
        return r.Pick($"#Person2# is going to {city} with {friend} for {length} days, {howSummary}, leaving on {day}.",
            $"#Person2# tells #Person1# about {Phrase.WithArticle(length + "-day")} trip to {city} with {friend}, {howSummary} on {day}.");
    }
}
