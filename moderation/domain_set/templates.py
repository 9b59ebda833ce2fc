"""Templates that add variety to the hand-written domain set (UK healthcare staff voice).

Slots in braces are filled from ``SLOTS`` with a seeded RNG. Templates alone overfit,
so they make up a minority of the rows; see PROVENANCE.md.
"""

from __future__ import annotations

import random
import re

CRISIS_KINDS = frozenset(
    {
        "explicit_ideation",
        "plan",
        "means_at_work",
        "goodbye_giving_away",
        "burden",
        "guilt_patient_death",
        "self_harm",
        "passive_ideation",
    }
)
# Lookalikes that are plain chatter (greetings, thanks, logistics, replies in a support
# chat) rather than text that shares crisis wording: thresholds hold them to the stricter
# everyday-chat cap, and they never dilute the lookalike cap.
CHATTER_KINDS = frozenset({"everyday"})

SLOTS: dict[str, list[str]] = {
    "role": [
        "band 5 nurse",
        "HCA",
        "F1",
        "F2",
        "reg",
        "midwife",
        "paramedic",
        "ODP",
        "pharmacist",
        "physio",
        "SHO",
        "staff nurse",
        "student nurse",
        "porter",
        "ward clerk",
        "ICU nurse",
        "GP trainee",
        "radiographer",
        "charge nurse",
    ],
    "place": [
        "ward 7",
        "A&E",
        "ITU",
        "resus",
        "the acute medical unit",
        "theatres",
        "the birth centre",
        "the stroke unit",
        "paeds",
        "the hospice",
        "the surgical ward",
        "the community team",
        "the mental health unit",
        "CCU",
        "the discharge lounge",
        "majors",
    ],
    "shift": ["night shift", "long day", "late", "early", "weekend on call", "twilight shift"],
    "drug": [
        "insulin",
        "potassium",
        "morphine",
        "oramorph",
        "midazolam",
        "fentanyl",
        "propofol",
        "diamorphine",
        "the controlled drugs",
        "the KCl",
        "ketamine",
        "digoxin",
    ],
    "means": [
        "a rope",
        "the tablets I've been saving",
        "the insulin pens",
        "the morphine I took home",
        "a blade",
        "the belt",
        "my car and the motorway bridge",
    ],
    "time": ["tonight", "after this shift", "on Sunday", "this weekend", "after handover", "soon"],
    "who": ["my partner", "my kids", "my mum", "the team", "my husband", "my wife", "everyone"],
    "colleague": [
        "a colleague",
        "one of our F1s",
        "my mentor",
        "a student on placement",
        "our ward sister",
        "one of the HCAs",
        "a junior doctor",
        "my friend on ITU",
        "a new starter",
    ],
    "patient": [
        "a patient",
        "the lady in bed 3",
        "the man in side room 2",
        "a teenager in ED",
        "a woman on the ward",
        "the patient in bay 4",
        "a young lad in majors",
    ],
    "thing": [
        "this rota",
        "the new IT system",
        "these 13 hour shifts",
        "mandatory training",
        "the audit",
        "the staffing",
        "this heat",
        "revalidation",
        "the e-portfolio",
        "nights",
    ],
    "feeling": ["exhausted", "knackered", "fed up", "burnt out", "stressed", "drained", "frazzled"],
    "swear": ["shit", "crap", "a shitshow", "bloody awful", "a nightmare", "fucking grim"],
    "newjob": [
        "a GP practice",
        "the community team",
        "a job in Leeds",
        "agency work",
        "a band 6 post",
        "a hospice post",
        "a practice nurse role",
        "Australia",
        "an outpatient clinic",
    ],
    "n": ["2", "3", "4", "5", "6"],
    "bed": ["bed 4", "bed 12", "side room 1", "bay 2", "cubicle 6", "bed 9"],
}

TEMPLATES: dict[str, list[str]] = {
    "explicit_ideation": [
        "I'm a {role} and I keep thinking about killing myself",
        "I want to die. Not a joke. Finished my {shift} and I just want it to end",
        "{feeling} doesn't cover it. I've been thinking about ending my life",
        "I don't want to be here anymore. I mean alive, not {place}",
        "I keep having thoughts about taking my own life, even on {place}",
        "Honestly I think I'm going to kill myself {time}",
        "I've been thinking about suicide every day since I started on {place}",
        "I want to end it all. I can't face another {shift}",
    ],
    "plan": [
        "I've decided. {time}, with {means}. I've thought it through",
        "I've got {means} ready and I've picked {time}",
        "Everything's sorted for {time}. I've worked out exactly how",
        "I've written letters for {who}. I'm doing it {time}",
        "Worked out the how and the when. It's going to be {time}",
        "Planning to use {means} {time}, nobody will be home",
    ],
    "means_at_work": [
        "I keep thinking about taking {drug} from {place} and using it on myself",
        "There's {drug} in the cupboard on {place} and I think about using it to end things",
        "As a {role} I know how much {drug} it would take. I've worked out my dose",
        "I took some {drug} home from {place}. It's for me, not for pain",
        "Every {shift} I look at the {drug} and think how easy it would be to take it myself",
        "I've started hiding {drug} in my bag after shifts. I know what I want it for",
    ],
    "goodbye_giving_away": [
        "I've given my things away to {who}. Goodbye everyone, thanks for being kind",
        "This is goodbye. Please tell {who} I'm sorry",
        "I've sorted everything for {who} so they won't have to. I won't be around after {time}",
        "Thank you all. I won't be posting again. Look after {who} for me",
        "Gave away my stuff this week. I won't need any of it after {time}",
    ],
    "burden": [
        "{who} would be better off without me",
        "I'm such a burden to {who}. It'd be easier for them if I wasn't here",
        "If I was gone {who} could finally move on. I'm just a weight on them",
        "I'm a burden on {place} and at home. Everyone would be better off if I wasn't alive",
        "Honestly {who} would be relieved if I wasn't around anymore",
    ],
    "guilt_patient_death": [
        "{patient} died because of me. I don't deserve to be alive",
        "I made the mistake and {patient} died. I can't live with it",
        "Since {patient} died on my {shift} I keep thinking I should die too",
        "It was my fault {patient} died. I want to end my life over it",
        "The inquest about {patient} is coming up and I'd rather be dead than face it",
    ],
    "self_harm": [
        "I cut myself again after my {shift}",
        "I've been self harming since I started on {place}. Sleeves hide it",
        "Hurt myself on purpose again last night. I'm a {role}, I know better",
        "Started cutting again. Hiding it under my scrubs on {place}",
        "I burned myself again after the {shift}. It's the only thing that helps",
    ],
    "passive_ideation": [
        "I wouldn't care if I didn't wake up after this {shift}",
        "Wish I could just go to sleep and never wake up",
        "Part of me hopes I crash the car on the way to {place}",
        "I don't want to be alive but I'm not going to do anything. I just don't care anymore",
        "What's the point of carrying on. I'm just waiting for it to be over",
        "I'd be fine if I just didn't exist anymore. {feeling} and empty",
    ],
    "clinical": [
        "{n} overdoses in {place} overnight, all seen by liaison psych",
        "Suicide risk assessment done for {bed}, low risk, discharged with crisis line",
        "Anyone got the trust policy for {drug} checks on {place}?",
        "Ligature risk assessment on {place} flagged {n} points in the bathrooms",
        "{patient} took an overdose of {drug}, on the ward for obs",
        "Patient in {bed} disclosed self harm, wounds dressed and referred to the crisis team",
        "Verified death in {bed} at the end of my {shift}, family present",
        "Teaching session on {drug} overdose management tomorrow on {place}",
        "{patient} was found with a ligature, crash call, now on ITU",
        "Does anyone know the antidote dose for a {drug} overdose? Checking before I give it",
    ],
    "third_party": [
        "I'm worried about {colleague}, they said they feel like a burden. How do I help?",
        "{colleague} told me they've been thinking about suicide. We went to occ health together",
        "{patient} said they wanted to kill themselves so I escalated to the doctor",
        "Really worried about {colleague}, they've been giving their things away",
        "How do I ask {colleague} if they're having thoughts of self harm?",
        "{colleague} on {place} died by suicide last month and the team is struggling",
        "If you're reading this and thinking of ending your life, please talk to someone on here",
    ],
    "figurative": [
        "{thing} is killing me",
        "{thing} will be the death of me",
        "I'm going to die if I have to do {thing} again lol",
        "kill me now, {thing} again",
        "{thing} makes me want to jump out of a window haha",
        "I'm dead. {thing} finished me off",
        "could have died of embarrassment on {place} today",
        "Someone shoot me, {thing} is back",
    ],
    "leaving_job": [
        "Last {shift} on {place} tonight. Goodbye all, going to miss you",
        "Handed in my notice. Moving to {newjob}. Goodbye {place}!",
        "Final day today. Gave away my old scrubs and said goodbye to {place}",
        "Resignation letter sent. Off to {newjob} in the new year",
        "That's my last ever {shift}. Thank you for everything, moving to {newjob}",
        "Goodbye and thank you {place}, starting at {newjob} next month",
    ],
    "venting": [
        "{thing} was {swear} today. So {feeling}",
        "I'm so {feeling}. {n} patients each and no break",
        "Cried in the sluice after my {shift}. Going home to sleep it off",
        "{feeling} and fed up. Thinking of leaving nursing honestly",
        "My {shift} was {swear}. Need wine and my bed",
        "I feel like a terrible {role} today, nothing went right on {place}",
        "Another death on {place} today. It never gets easier but we did our best",
        "So {feeling} I could sleep for a week. {thing} is relentless",
    ],
    "dark_humour": [
        "Put me on a syringe driver and call it a day lol",
        "If I collapse on {place} please don't resus me, I need the rest",
        "My cause of death will be {thing}, put it on the certificate",
        "The only way I'm getting a break on {place} is as a patient haha",
        "Bury me with my lanyard so I can badge into the afterlife",
        "Honestly the mortuary is the calmest place in this building",
    ],
}

_SLOT = re.compile(r"\{(\w+)\}")


def fill(template: str, rng: random.Random) -> str:
    """Replace each slot with a random value, capitalising a slot that opens the text."""

    def pick(match: re.Match[str]) -> str:
        return rng.choice(SLOTS[match.group(1)])

    text = _SLOT.sub(pick, template)
    return text[0].upper() + text[1:]
