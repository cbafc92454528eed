package seed

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"
)

type program struct {
	id       int64
	name     string
	category string
	provider string
	from, to time.Time // dates
	minYuan  int       // amount range per grant; 0: grants carry no amount
	maxYuan  int
}

type grant struct {
	id      int64
	program *program
	officer *officer
	amount  int64 // cents; negative: none
	applied time.Time
	path    path
}

func (g *grant) logID() int64     { return g.id }
func (g *grant) logSteps() []step { return g.path.steps }

type survey struct {
	id      int64
	station *station
	period  string
	title   string
}

type surveyResponse struct {
	id        int64
	survey    *survey
	key       string
	overall   int
	belonging int
	workload  int
	comment   string
}

// welfareTemplates describe the welfare programs: name | provider | months | min yuan | max yuan.
const welfareTemplates = `
program.SCHOOL_PLACE: 民警子女入学协调 ; 街道教育工作办公室 ; 6 ; 0 ; 0 | 民警子女就近入园 ; 辖区中心幼儿园 ; 6 ; 0 ; 0
program.CHILDCARE: 民警子女寒暑假托管 ; 街道社区服务中心 ; 2 ; 300 ; 1200 | 民警家庭托育补贴 ; 街道工会 ; 12 ; 500 ; 2000
program.HEALTH_CHECK: 民警年度健康体检 ; 街道社区卫生服务中心 ; 3 ; 800 ; 1500 | 民警家属健康义诊 ; 街道社区卫生服务中心 ; 1 ; 0 ; 0
program.REST_LEAVE: 民警轮休疗养 ; 街道工会 ; 6 ; 1500 ; 4000 | 一线民警调休保障 ; 街道办事处 ; 12 ; 0 ; 0
program.HOLIDAY_VISIT: 春节慰问一线民警 ; 街道办事处 ; 1 ; 500 ; 1000 | 中秋节慰问民警家属 ; 街道工会 ; 1 ; 300 ; 800 | 端午节走访慰问 ; 街道妇联 ; 1 ; 200 ; 500
program.COMMENDATION: 优秀社区民警表彰 ; 街道平安建设办公室 ; 2 ; 1000 ; 5000 | 见义勇为民警奖励 ; 街道办事处 ; 12 ; 2000 ; 10000
program.COUNSELLING: 民警心理疏导服务 ; 街道社会心理服务站 ; 12 ; 0 ; 0 | 民警家庭关系辅导 ; 街道社会心理服务站 ; 6 ; 0 ; 0
program.HOUSING: 民警周转公寓 ; 街道房管所 ; 12 ; 1500 ; 3000 | 民警租房补贴 ; 街道办事处 ; 12 ; 800 ; 2000
survey.comment: 感谢街道的关心和支持 | 希望子女入学协调能继续保持 | 值班压力较大，希望增加轮休 | 体检安排很周到 | 社区关系融洽，工作更顺手了 | 希望调解室能进一步分担非警务警情 | 慰问活动暖心 | 加班较多，家庭照顾有困难 | 网格员配合很到位 | 希望简化福利申请流程
`

func (w *world) genWelfare() {
	r := w.rng("welfare.program")
	cats := strings.Fields("SCHOOL_PLACE CHILDCARE HEALTH_CHECK REST_LEAVE HOLIDAY_VISIT COMMENDATION COUNSELLING HOUSING")
	startDate, endDate := w.date(w.start), w.today
	for i := range w.sz.programs {
		cat := cats[i%len(cats)]
		parts := strings.Split(w.txt.tpl(r, "program."+cat), ";")
		for k := range parts {
			parts[k] = strings.TrimSpace(parts[k])
		}
		name, provider := parts[0], parts[1]
		months, _ := strconv.Atoi(parts[2])
		lo, _ := strconv.Atoi(parts[3])
		hi, _ := strconv.Atoi(parts[4])
		from := startDate.AddDate(0, r.IntN(58), r.IntN(28))
		to := from.AddDate(0, months, -1)
		if to.After(endDate) {
			to = endDate
		}
		if from.After(to) {
			from = to.AddDate(0, -1, 0)
		}
		p := &program{id: int64(i + 1), name: fmt.Sprintf("%d年%s", from.Year(), name), category: cat, provider: provider,
			from: from, to: to, minYuan: lo, maxYuan: hi}
		w.programs = append(w.programs, p)
	}

	r = w.rng("welfare.benefit_grant")
	staff := "staff:" + w.streetName + "办事处"
	for i := range w.sz.grants {
		p := pick(r, w.programs)
		g := &grant{id: int64(i + 1), program: p, officer: pick(r, w.officers), amount: -1}
		span := int(p.to.Sub(p.from)/day) + 1
		g.applied = p.from.AddDate(0, 0, r.IntN(span))
		if p.maxYuan > 0 {
			g.amount = int64(between(r, p.minYuan/50, p.maxYuan/50)) * 5000
		}
		at := time.Date(g.applied.Year(), g.applied.Month(), g.applied.Day(), between(r, 9, 17), r.IntN(60), 0, 0, w.tz)
		g.path.add("APPLIED", at, g.officer.actor())
		if chance(r, 0.08) {
			g.path.then("REJECTED", dur(r, 2*day, 15*day), staff)
			g.path.steps[1].reason = pick(r, []string{"不符合申请条件", "名额已满", "材料不全"})
		} else {
			g.path.then("APPROVED", dur(r, 2*day, 20*day), staff)
			if p.maxYuan > 0 || chance(r, 0.8) {
				g.path.then("DELIVERED", dur(r, 3*day, 30*day), staff)
			}
		}
		g.path.cut(w.end)
		w.grants = append(w.grants, g)
	}

	// quarterly satisfaction surveys; the current quarter (2026-Q4) has only a few responses
	// so far, and each station has another thin round, so that suppression below 5 shows
	r = w.rng("welfare.survey")
	for _, st := range w.stations {
		thin := between(r, 0, 18)
		for q := range 20 {
			year, quarter := 2022+q/4, q%4+1
			s := &survey{id: int64(len(w.surveys) + 1), station: st, period: fmt.Sprintf("%d-Q%d", year, quarter),
				title: fmt.Sprintf("%d年第%d季度民警满意度与归属感调查", year, quarter)}
			w.surveys = append(w.surveys, s)
			n := between(r, 8, min(40, max(8, len(st.officers))))
			if q == 19 {
				n = between(r, 2, 4)
			} else if q == thin {
				n = between(r, 3, 4)
			}
			// satisfaction rises as the measures take effect
			trend := float64(q) / 19
			for range n {
				resp := &surveyResponse{id: int64(len(w.responses) + 1), survey: s, key: respondentKey(r)}
				resp.overall = score(r, 3.2+1.0*trend)
				resp.belonging = score(r, 3.0+1.2*trend)
				resp.workload = score(r, 3.9-0.5*trend)
				if chance(r, 0.3) {
					resp.comment = w.txt.tpl(r, "survey.comment")
				}
				w.responses = append(w.responses, resp)
			}
		}
	}
}

// respondentKey returns a pseudonymous respondent key (32 hex characters).
func respondentKey(r *mrand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b[:])
}

// score draws a 1–5 score around mean.
func score(r *mrand.Rand, mean float64) int {
	v := int(math.Round(mean + r.NormFloat64()*0.9))
	return min(max(v, 1), 5)
}

func (w *world) loadWelfare(ctx context.Context, l *loader) error {
	if err := copyTable(ctx, l, "welfare.program", []string{"id", "name", "category", "provider", "period_start", "period_end"}, w.programs,
		func(p *program) []any { return []any{p.id, p.name, p.category, p.provider, p.from, p.to} }); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "welfare.benefit_grant", []string{"id", "program_id", "officer_id", "status", "amount", "applied_on", "granted_on"}, w.grants,
		func(g *grant) []any {
			var amount, granted any
			if g.amount >= 0 {
				amount = numeric(g.amount)
			}
			if t, ok := g.path.when("APPROVED"); ok {
				granted = w.date(t)
			}
			return []any{g.id, g.program.id, g.officer.id, g.path.status(), amount, g.applied, granted}
		}); err != nil {
		return err
	}
	if err := copyStatusLog(ctx, l, "welfare.benefit_grant_status_log", w.grants); err != nil {
		return err
	}
	if err := copyTable(ctx, l, "welfare.survey", []string{"id", "station_id", "period", "title"}, w.surveys,
		func(s *survey) []any { return []any{s.id, s.station.id, s.period, s.title} }); err != nil {
		return err
	}
	return copyTable(ctx, l, "welfare.survey_response", []string{"id", "survey_id", "respondent_key", "overall", "belonging", "workload", "comment"}, w.responses,
		func(s *surveyResponse) []any {
			return []any{s.id, s.survey.id, s.key, int16(s.overall), int16(s.belonging), int16(s.workload), nullText(s.comment)}
		})
}
