package analytics

// Respondents is the number of survey answers of the group; null when suppressed.
func (g *Group) Respondents() *int { return g.count }

// NonPolice is the nonPolice measure; null when suppressed.
func (g *Group) NonPolice() *int { return g.intMeasure("nonPolice") }

// Referred is the referred measure; null when suppressed.
func (g *Group) Referred() *int { return g.intMeasure("referred") }

// Closed is the closed measure; null when suppressed.
func (g *Group) Closed() *int { return g.intMeasure("closed") }

// Converted is the converted measure; null when suppressed.
func (g *Group) Converted() *int { return g.intMeasure("converted") }

// Cancelled is the cancelled measure; null when suppressed.
func (g *Group) Cancelled() *int { return g.intMeasure("cancelled") }

// Agreed is the agreed measure; null when suppressed.
func (g *Group) Agreed() *int { return g.intMeasure("agreed") }

// Performed is the performed measure; null when suppressed.
func (g *Group) Performed() *int { return g.intMeasure("performed") }

// Failed is the failed measure; null when suppressed.
func (g *Group) Failed() *int { return g.intMeasure("failed") }

// Withdrawn is the withdrawn measure; null when suppressed.
func (g *Group) Withdrawn() *int { return g.intMeasure("withdrawn") }

// Pending is the pending measure; null when suppressed.
func (g *Group) Pending() *int { return g.intMeasure("pending") }

// WithOverdueMeasures is the withOverdueMeasures measure; null when suppressed.
func (g *Group) WithOverdueMeasures() *int { return g.intMeasure("withOverdueMeasures") }

// OverdueMeasures is the overdueMeasures measure; null when suppressed.
func (g *Group) OverdueMeasures() *int { return g.intMeasure("overdueMeasures") }

// LinkedCasesLast30Days is the linkedCasesLast30Days measure; null when suppressed.
func (g *Group) LinkedCasesLast30Days() *int { return g.intMeasure("linkedCasesLast30Days") }

// LinkedDisputesLast30Days is the linkedDisputesLast30Days measure; null when suppressed.
func (g *Group) LinkedDisputesLast30Days() *int { return g.intMeasure("linkedDisputesLast30Days") }

// Officers is the officers measure; null when suppressed.
func (g *Group) Officers() *int { return g.intMeasure("officers") }

// Delivered is the delivered measure; null when suppressed.
func (g *Group) Delivered() *int { return g.intMeasure("delivered") }

// ShareNonPolice is the shareNonPolice measure; null when suppressed or undefined.
func (g *Group) ShareNonPolice() *float64 { return g.measures["shareNonPolice"] }

// ShareReferred is the shareReferred measure; null when suppressed or undefined.
func (g *Group) ShareReferred() *float64 { return g.measures["shareReferred"] }

// ShareNonPoliceReferred is the shareNonPoliceReferred measure; null when suppressed or undefined.
func (g *Group) ShareNonPoliceReferred() *float64 { return g.measures["shareNonPoliceReferred"] }

// AvgDaysOverdue is the avgDaysOverdue measure; null when suppressed or undefined.
func (g *Group) AvgDaysOverdue() *float64 { return g.measures["avgDaysOverdue"] }

// MedianDaysOverdue is the medianDaysOverdue measure; null when suppressed or undefined.
func (g *Group) MedianDaysOverdue() *float64 { return g.measures["medianDaysOverdue"] }

// AvgDaysToClose is the avgDaysToClose measure; null when suppressed or undefined.
func (g *Group) AvgDaysToClose() *float64 { return g.measures["avgDaysToClose"] }

// MedianDaysToClose is the medianDaysToClose measure; null when suppressed or undefined.
func (g *Group) MedianDaysToClose() *float64 { return g.measures["medianDaysToClose"] }

// P90DaysToClose is the p90DaysToClose measure; null when suppressed or undefined.
func (g *Group) P90DaysToClose() *float64 { return g.measures["p90DaysToClose"] }

// ShareConverted is the shareConverted measure; null when suppressed or undefined.
func (g *Group) ShareConverted() *float64 { return g.measures["shareConverted"] }

// ShareConvertedToDispute is the shareConvertedToDispute measure; null when suppressed or undefined.
func (g *Group) ShareConvertedToDispute() *float64 { return g.measures["shareConvertedToDispute"] }

// ShareConvertedToCase is the shareConvertedToCase measure; null when suppressed or undefined.
func (g *Group) ShareConvertedToCase() *float64 { return g.measures["shareConvertedToCase"] }

// ShareOverdue is the shareOverdue measure; null when suppressed or undefined.
func (g *Group) ShareOverdue() *float64 { return g.measures["shareOverdue"] }

// ShareAgreed is the shareAgreed measure; null when suppressed or undefined.
func (g *Group) ShareAgreed() *float64 { return g.measures["shareAgreed"] }

// SharePerformed is the sharePerformed measure; null when suppressed or undefined.
func (g *Group) SharePerformed() *float64 { return g.measures["sharePerformed"] }

// SumAmount is the sumAmount measure; null when suppressed or undefined.
func (g *Group) SumAmount() *float64 { return g.measures["sumAmount"] }

// AvgAmount is the avgAmount measure; null when suppressed or undefined.
func (g *Group) AvgAmount() *float64 { return g.measures["avgAmount"] }

// AvgDaysToAgreement is the avgDaysToAgreement measure; null when suppressed or undefined.
func (g *Group) AvgDaysToAgreement() *float64 { return g.measures["avgDaysToAgreement"] }

// MedianDaysToAgreement is the medianDaysToAgreement measure; null when suppressed or undefined.
func (g *Group) MedianDaysToAgreement() *float64 { return g.measures["medianDaysToAgreement"] }

// P90DaysToAgreement is the p90DaysToAgreement measure; null when suppressed or undefined.
func (g *Group) P90DaysToAgreement() *float64 { return g.measures["p90DaysToAgreement"] }

// AvgScore is the avgScore measure; null when suppressed or undefined.
func (g *Group) AvgScore() *float64 { return g.measures["avgScore"] }

// ShareDelivered is the shareDelivered measure; null when suppressed or undefined.
func (g *Group) ShareDelivered() *float64 { return g.measures["shareDelivered"] }

// ShareRejected is the shareRejected measure; null when suppressed or undefined.
func (g *Group) ShareRejected() *float64 { return g.measures["shareRejected"] }

// AvgDaysToGrant is the avgDaysToGrant measure; null when suppressed or undefined.
func (g *Group) AvgDaysToGrant() *float64 { return g.measures["avgDaysToGrant"] }

// MedianDaysToGrant is the medianDaysToGrant measure; null when suppressed or undefined.
func (g *Group) MedianDaysToGrant() *float64 { return g.measures["medianDaysToGrant"] }

// P90DaysToGrant is the p90DaysToGrant measure; null when suppressed or undefined.
func (g *Group) P90DaysToGrant() *float64 { return g.measures["p90DaysToGrant"] }

// AvgOverall is the avgOverall measure; null when suppressed or undefined.
func (g *Group) AvgOverall() *float64 { return g.measures["avgOverall"] }

// AvgBelonging is the avgBelonging measure; null when suppressed or undefined.
func (g *Group) AvgBelonging() *float64 { return g.measures["avgBelonging"] }

// AvgWorkload is the avgWorkload measure; null when suppressed or undefined.
func (g *Group) AvgWorkload() *float64 { return g.measures["avgWorkload"] }

// MedianOverall is the medianOverall measure; null when suppressed or undefined.
func (g *Group) MedianOverall() *float64 { return g.measures["medianOverall"] }

// ShareSatisfied is the shareSatisfied measure; null when suppressed or undefined.
func (g *Group) ShareSatisfied() *float64 { return g.measures["shareSatisfied"] }

// ShareBelonging is the shareBelonging measure; null when suppressed or undefined.
func (g *Group) ShareBelonging() *float64 { return g.measures["shareBelonging"] }

// People is the people measure; null when suppressed.
func (g *Group) People() *int { return g.intMeasure("people") }

// PeopleMultiAgency is the peopleMultiAgency measure; null when suppressed.
func (g *Group) PeopleMultiAgency() *int { return g.intMeasure("peopleMultiAgency") }

// PeopleMediationAndPolice is the peopleMediationAndPolice measure; null when suppressed.
func (g *Group) PeopleMediationAndPolice() *int { return g.intMeasure("peopleMediationAndPolice") }

// Households is the households measure; null when suppressed.
func (g *Group) Households() *int { return g.intMeasure("households") }

// HouseholdsMultiAgency is the householdsMultiAgency measure; null when suppressed.
func (g *Group) HouseholdsMultiAgency() *int { return g.intMeasure("householdsMultiAgency") }

// Estates is the estates measure; null when suppressed.
func (g *Group) Estates() *int { return g.intMeasure("estates") }

// EstatesMultiAgency is the estatesMultiAgency measure; null when suppressed.
func (g *Group) EstatesMultiAgency() *int { return g.intMeasure("estatesMultiAgency") }

// EstatesAllAgencies is the estatesAllAgencies measure; null when suppressed.
func (g *Group) EstatesAllAgencies() *int { return g.intMeasure("estatesAllAgencies") }
